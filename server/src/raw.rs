//! `/sse/raw?case=CASE`: byte-exact streams for the line-end and decoding rules of the SSE
//! parser. Each case is a list of writes sent [`WRITE_GAP`] apart (so a client receives them
//! as separate chunks), then the body ends. Each sends two messages in the usual JSON shape,
//! the second with `status: 1`, so a client closes after it. Below, the writes are separated
//! by `|` and written as Rust byte strings; "texts" are the `text` values a spec-exact client
//! delivers, in order, both as `message` events; the last event id is `2` in every case.
//!
//! - `crlf`: every line ends with CRLF.
//!   `b"id: 1\r\ndata: {\"index\":0,\"text\":\"crlf\",\"status\":0}\r\n\r\n"` |
//!   `b"id: 2\r\ndata: {\"index\":1,\"text\":\"end\",\"status\":1}\r\n\r\n"`.
//!   Texts `crlf`, `end` (ids `1`, `2`: an id `1\r` means the CR was kept).
//! - `cr`: every line ends with a lone CR (the first write ends with one).
//!   `b"id: 1\rdata: {\"index\":0,\"text\":\"cr\",\"status\":0}\r\r"` |
//!   `b"id: 2\rdata: {\"index\":1,\"text\":\"end\",\"status\":1}\r\r"`.
//!   Texts `cr`, `end`.
//! - `mixed`: CRLF, LF and CR in one stream, with LF followed by CR (two line ends).
//!   `b"id: 1\r\ndata: {\"index\":0,\"text\":\"mixed\",\"status\":0}\n\r"` |
//!   `b"id: 2\rdata: {\"index\":1,\"text\":\"end\",\"status\":1}\r\n\n"`.
//!   Texts `mixed`, `end`.
//! - `bom`: one leading BOM, which is dropped; a BOM that starts a later chunk (inside a
//!   string here) is content (a fresh decoder per chunk wrongly strips it).
//!   `b"\xEF\xBB\xBFid: 1\ndata: {\"index\":0,\"text\":\"bom\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\""` |
//!   `b"\xEF\xBB\xBFkept\",\"status\":1}\n\n"`.
//!   Texts `bom`, `\u{FEFF}kept`.
//! - `bom-split`: the leading BOM's three bytes in three writes.
//!   `b"\xEF"` | `b"\xBB"` | `b"\xBF"` |
//!   `b"id: 1\ndata: {\"index\":0,\"text\":\"split bom\",\"status\":0}\n\n"` |
//!   `b"id: 2\ndata: {\"index\":1,\"text\":\"end\",\"status\":1}\n\n"`.
//!   Texts `split bom`, `end`.
//! - `bom-twice`: two BOMs; only the first is dropped, so the first line's field name is
//!   `\u{FEFF}event`, unknown, and that line is ignored: the first event is a `message`, not an
//!   `ignored` event. (A client that drops both BOMs delivers it as an `ignored` event.)
//!   `b"\xEF\xBB\xBF\xEF\xBB\xBFevent: ignored\nid: 1\ndata: {\"index\":0,\"text\":\"second bom\",\"status\":0}\n\n"` |
//!   `b"id: 2\ndata: {\"index\":1,\"text\":\"end\",\"status\":1}\n\n"`.
//!   Texts `second bom`, `end`.
//! - `split-crlf`: writes end with CR and the next begins with LF: one line end, never a blank
//!   line. The first event's data spans two lines, so a client that reads such an LF as a
//!   blank line dispatches `{"index":0,` alone (invalid JSON).
//!   `b"id: 1\r"` | `b"\ndata: {\"index\":0,\r"` |
//!   `b"\ndata: \"text\":\"split\",\"status\":0}\r\n\r"` |
//!   `b"\nid: 2\r\ndata: {\"index\":1,\"text\":\"crlf\",\"status\":1}\r\n\r\n"`.
//!   Texts `split`, `crlf` (the first event's data is `{"index":0,` LF `"text":"split","status":0}`).
//! - `split-utf8`: `世` (E4 B8 96) cut 1|2, `界` (E7 95 8C) cut 2|1, `😀` (F0 9F 98 80) cut 1|3.
//!   `b"id: 1\ndata: {\"index\":0,\"text\":\"\xE4"` | `b"\xB8\x96\xE7\x95"` |
//!   `b"\x8C\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\"\xF0"` |
//!   `b"\x9F\x98\x80\",\"status\":1}\n\n"`.
//!   Texts `世界`, `😀` (no U+FFFD anywhere).
//! - `invalid-utf8`: a lone `\xFF`, and a truncated 3-byte sequence `\xE4\xB8` that ends a
//!   write (the next byte, `d`, shows it is truncated): each becomes one U+FFFD.
//!   `b"id: 1\ndata: {\"index\":0,\"text\":\"a\xFFb\",\"status\":0}\n\n"` |
//!   `b"id: 2\ndata: {\"index\":1,\"text\":\"c\xE4\xB8"` | `b"d\",\"status\":1}\n\n"`.
//!   Texts `a\u{FFFD}b`, `c\u{FFFD}d`.
//! - `one-chunk`: both events in one write, with 2-, 3- and 4-byte characters and an invalid
//!   byte, so a client that cuts one chunk's text into events must count UTF-16 units right.
//!   `b"id: 1\ndata: {\"index\":0,\"text\":\"\xC3\xA9\xF0\x9F\x98\x80\xFF\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\"\xE4\xB8\x96x\",\"status\":1}\n\n"`.
//!   Texts `é😀\u{FFFD}`, `世x`.
//!
//! An unknown case is a 400.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::time::sleep;

use crate::ctx::Ctx;
use crate::stream::sse_response;

/// Long enough for each write to reach the client as its own chunk.
const WRITE_GAP: Duration = Duration::from_millis(30);

/// The writes of each case (see the module doc; keep both in step).
pub(crate) fn writes(case: &str) -> Option<&'static [&'static [u8]]> {
    Some(match case {
        "crlf" => &[
            b"id: 1\r\ndata: {\"index\":0,\"text\":\"crlf\",\"status\":0}\r\n\r\n",
            b"id: 2\r\ndata: {\"index\":1,\"text\":\"end\",\"status\":1}\r\n\r\n",
        ],
        "cr" => &[
            b"id: 1\rdata: {\"index\":0,\"text\":\"cr\",\"status\":0}\r\r",
            b"id: 2\rdata: {\"index\":1,\"text\":\"end\",\"status\":1}\r\r",
        ],
        "mixed" => &[
            b"id: 1\r\ndata: {\"index\":0,\"text\":\"mixed\",\"status\":0}\n\r",
            b"id: 2\rdata: {\"index\":1,\"text\":\"end\",\"status\":1}\r\n\n",
        ],
        "bom" => &[
            b"\xEF\xBB\xBFid: 1\ndata: {\"index\":0,\"text\":\"bom\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\"",
            b"\xEF\xBB\xBFkept\",\"status\":1}\n\n",
        ],
        "bom-split" => &[
            b"\xEF",
            b"\xBB",
            b"\xBF",
            b"id: 1\ndata: {\"index\":0,\"text\":\"split bom\",\"status\":0}\n\n",
            b"id: 2\ndata: {\"index\":1,\"text\":\"end\",\"status\":1}\n\n",
        ],
        "bom-twice" => &[
            b"\xEF\xBB\xBF\xEF\xBB\xBFevent: ignored\nid: 1\ndata: {\"index\":0,\"text\":\"second bom\",\"status\":0}\n\n",
            b"id: 2\ndata: {\"index\":1,\"text\":\"end\",\"status\":1}\n\n",
        ],
        "split-crlf" => &[
            b"id: 1\r",
            b"\ndata: {\"index\":0,\r",
            b"\ndata: \"text\":\"split\",\"status\":0}\r\n\r",
            b"\nid: 2\r\ndata: {\"index\":1,\"text\":\"crlf\",\"status\":1}\r\n\r\n",
        ],
        "split-utf8" => &[
            b"id: 1\ndata: {\"index\":0,\"text\":\"\xE4",
            b"\xB8\x96\xE7\x95",
            b"\x8C\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\"\xF0",
            b"\x9F\x98\x80\",\"status\":1}\n\n",
        ],
        "invalid-utf8" => &[
            b"id: 1\ndata: {\"index\":0,\"text\":\"a\xFFb\",\"status\":0}\n\n",
            b"id: 2\ndata: {\"index\":1,\"text\":\"c\xE4\xB8",
            b"d\",\"status\":1}\n\n",
        ],
        "one-chunk" => &[
            b"id: 1\ndata: {\"index\":0,\"text\":\"\xC3\xA9\xF0\x9F\x98\x80\xFF\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\"\xE4\xB8\x96x\",\"status\":1}\n\n",
        ],
        _ => return None,
    })
}

/// `/sse/raw`: the case's writes, [`WRITE_GAP`] apart.
pub(crate) fn raw(ctx: &Ctx) -> Response {
    let Some(writes) = writes(ctx.params.str("case").unwrap_or("")) else {
        return (StatusCode::BAD_REQUEST, "unknown case\n").into_response();
    };
    sse_response(ctx.guard(), move |tx| async move {
        for (i, write) in writes.iter().enumerate() {
            if i > 0 {
                sleep(WRITE_GAP).await;
            }
            tx.send(*write).await?;
        }
        Ok(())
    })
}
