//! The wasm as a JS module: `export default "<base64 of the zlib-compressed wasm>";`.
//!
//! Why: a `.wasm` next to the glue must be located at run time (`new URL(.., import.meta.url)`),
//! which Vite's dev pre-bundling breaks and Node cannot `fetch`. A JS module is found by every
//! bundler and runtime with no configuration; the package's `index.js` inflates it with
//! `DecompressionStream("deflate")` (every current browser, Node 18+) and instantiates the bytes.
//! Served gzipped, base64 of compressed data costs about what the compressed wasm does, and
//! zopfli compresses better than gzip, so the package does not grow.
//!
//! zlib ("deflate") rather than raw deflate ("deflate-raw"): 6 bytes more, and Node has
//! `DecompressionStream("deflate")` since 18.0 but "deflate-raw" only since 20.12.

use std::fs;
use std::path::Path;

use crate::util::Result;

/// zopfli iterations: more compress a little better and take longer (15 is its default).
const ITERATIONS: u64 = 15;

/// Writes `js`, the module that embeds `wasm`.
pub fn wasm_as_js_module(wasm: &Path, js: &Path) -> Result {
    let bytes = fs::read(wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    let compressed = zlib(&bytes)?;
    let module = format!(
        "// The wasm, zlib-compressed and base64-encoded; index.js inflates it.\nexport default \"{}\";\n",
        base64(&compressed)
    );
    fs::write(js, module).map_err(|e| format!("cannot write {}: {e}", js.display()))
}

fn zlib(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let options = zopfli::Options {
        iteration_count: ITERATIONS.try_into().expect("not zero"),
        ..zopfli::Options::default()
    };
    zopfli::compress(options, zopfli::Format::Zlib, bytes, &mut out)
        .map_err(|e| format!("zopfli failed: {e}"))?;
    Ok(out)
}

/// Standard base64 with padding (what `atob` reads).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(&[0xfb, 0xff, 0xbf]), "+/+/");
    }
}
