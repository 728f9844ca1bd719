//! The event-stream parser: bytes in, events out, exactly as the WHATWG HTML standard's
//! [event stream interpretation](https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
//!
//! Incremental and linear: each byte is scanned for a line end once, whatever the chunking; a
//! line wholly inside a chunk is parsed straight from the chunk, and only the unfinished line at
//! the end of a chunk is copied. Lines are decoded whole (never chunks), so a chunk boundary never
//! splits a character. Pure Rust, no browser API, so it runs natively under `cargo test`.

use crate::prelude::*;
use core::fmt;

/// Default cap on the size of one event: 32 MiB.
///
/// An event counts its data (lines joined with LF), its event type and its id, and the line
/// being read may exceed that by its field name; a stream that sends a larger one is abandoned with an error instead
/// of growing memory without bound.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 32 * 1024 * 1024;

/// Room a line may take beyond the cap for its field name, colon and space, so that a value of
/// exactly the cap is accepted whether or not its line arrives in pieces.
const LINE_SLACK: usize = "retry: ".len() + 1;

/// Buffers above this capacity are shrunk once they are empty again, so one large event does
/// not keep its memory for the rest of the stream.
const SHRINK_ABOVE: usize = 64 * 1024;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// One dispatched event; the strings borrow the parser's buffers.
#[derive(Debug)]
pub(crate) struct Event<'a> {
    /// The `event` field, or `message` when there was none (or it was empty).
    pub(crate) event_type: &'a str,
    /// The `data` lines joined with LF. The sink may take it rather than copy it: the parser
    /// needs it no more.
    pub(crate) data: &'a mut String,
    /// The stream's last event id as of this event.
    pub(crate) last_event_id: &'a str,
}

/// Where the parser reports what it reads.
pub(crate) trait Sink {
    /// An event was dispatched.
    fn event(&mut self, event: Event<'_>);
    /// The stream's last event id changed (committed at dispatch time, before that block's
    /// event if it has one; also for a block with no data).
    fn last_event_id(&mut self, id: &str);
    /// A valid `retry:` field was read (ms, saturating).
    ///
    /// Unbounded: clamp it before scheduling a timer (JS timers overflow above 2^31 - 1 ms).
    fn retry(&mut self, ms: u64);
}

/// An event grew beyond the parser's cap; the stream should be abandoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventTooLarge {
    /// The cap, in bytes.
    pub(crate) limit: usize,
}

// `write_str` pieces only, so the wasm carries no formatting machinery for it.
impl fmt::Display for EventTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = self.limit;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        f.write_str("an event exceeded the ")?;
        // Only ASCII digits were written.
        f.write_str(core::str::from_utf8(&digits[at..]).unwrap_or("?"))?;
        f.write_str("-byte limit")
    }
}

impl core::error::Error for EventTooLarge {}

/// The parser of one event stream (and, after [`Parser::reset`], of the next connection's).
#[derive(Debug)]
pub(crate) struct Parser {
    max_event_size: usize,
    /// The start of a line that did not end in its chunk; never holds a line end.
    line: Vec<u8>,
    /// The last byte fed was a CR: an LF starting the next chunk belongs to it.
    after_cr: bool,
    /// How many bytes of a leading BOM have been matched, while `bom_done` is false.
    bom_matched: usize,
    /// The stream's first bytes have been checked for a BOM.
    bom_done: bool,
    data: String,
    event_type: String,
    id_buffer: String,
    last_event_id: String,
    /// Bytes examined for line ends, to prove that nothing is scanned twice.
    #[cfg(test)]
    scanned: usize,
}

impl Parser {
    /// A parser for a new stream that rejects events above `max_event_size` bytes.
    pub(crate) fn new(max_event_size: usize) -> Self {
        Parser {
            max_event_size,
            line: Vec::new(),
            after_cr: false,
            bom_matched: 0,
            bom_done: false,
            data: String::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            last_event_id: String::new(),
            #[cfg(test)]
            scanned: 0,
        }
    }

    /// Sets the last event id (e.g. a user-given initial id, or the id that persists across
    /// reconnections). Does not call the sink.
    pub(crate) fn set_last_event_id(&mut self, id: &str) {
        set(&mut self.last_event_id, id);
        set(&mut self.id_buffer, id);
    }

    /// The stream's last event id: the id buffer as of the last dispatch.
    pub(crate) fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Feeds one chunk of bytes.
    ///
    /// On error the parser has been [`reset`](Parser::reset) and the stream should be abandoned.
    pub(crate) fn feed(&mut self, chunk: &[u8], sink: &mut impl Sink) -> Result<(), EventTooLarge> {
        let result = self.feed_inner(chunk, sink);
        if result.is_err() {
            self.reset();
        }
        result
    }

    fn feed_inner(&mut self, chunk: &[u8], sink: &mut impl Sink) -> Result<(), EventTooLarge> {
        let mut rest = chunk;
        if !self.bom_done {
            rest = self.skip_bom(rest);
        }
        if rest.is_empty() {
            return Ok(());
        }
        if self.after_cr {
            self.after_cr = false;
            if rest[0] == b'\n' {
                self.count_scanned(1);
                rest = &rest[1..];
            }
        }
        // Finish the line left over from earlier chunks; only the new bytes are scanned.
        if !self.line.is_empty() {
            let Some(end) = self.find_line_end(rest) else {
                self.check_line(self.line.len() + rest.len())?;
                self.line.extend_from_slice(rest);
                return Ok(());
            };
            self.check_line(self.line.len() + end)?;
            self.line.extend_from_slice(&rest[..end]);
            let line = core::mem::take(&mut self.line);
            let result = self.process_line(&line, sink);
            self.line = line;
            self.line.clear();
            shrink_vec(&mut self.line);
            result?;
            rest = self.after_line_end(rest, end);
        }
        // Lines wholly inside the chunk: parsed in place.
        while !rest.is_empty() {
            let Some(end) = self.find_line_end(rest) else {
                self.check_line(rest.len())?;
                self.line.extend_from_slice(rest);
                break;
            };
            self.check_line(end)?;
            self.process_line(&rest[..end], sink)?;
            rest = self.after_line_end(rest, end);
        }
        Ok(())
    }

    /// The stream ended: with `flush` the pending block is dispatched as if terminated;
    /// otherwise it is discarded. Then `reset`.
    pub(crate) fn finish(
        &mut self,
        flush: bool,
        sink: &mut impl Sink,
    ) -> Result<(), EventTooLarge> {
        let result = if flush { self.flush(sink) } else { Ok(()) };
        self.reset();
        result
    }

    fn flush(&mut self, sink: &mut impl Sink) -> Result<(), EventTooLarge> {
        if !self.bom_done {
            // A stream of fewer bytes than a BOM: they were content after all.
            self.line.extend_from_slice(&BOM[..self.bom_matched]);
        }
        if !self.line.is_empty() {
            let line = core::mem::take(&mut self.line);
            let result = self.process_line(&line, sink);
            self.line = line;
            result?;
        }
        self.dispatch(sink);
        Ok(())
    }

    /// Ready for a new stream (a reconnection): clears the pending line, data/type buffers and
    /// CR state, expects a BOM again; keeps the last event id (and the id buffer equal to it).
    pub(crate) fn reset(&mut self) {
        self.line.clear();
        shrink_vec(&mut self.line);
        self.after_cr = false;
        self.bom_matched = 0;
        self.bom_done = false;
        self.data.clear();
        shrink(&mut self.data);
        self.event_type.clear();
        shrink(&mut self.event_type);
        let id = core::mem::take(&mut self.last_event_id);
        set(&mut self.id_buffer, &id);
        self.last_event_id = id;
    }

    /// Consumes the leading BOM, or the part of it seen so far; bytes that turn out not to be
    /// one become the start of the first line.
    fn skip_bom<'c>(&mut self, mut chunk: &'c [u8]) -> &'c [u8] {
        while let Some((&byte, rest)) = chunk.split_first() {
            if byte != BOM[self.bom_matched] {
                self.bom_done = true;
                self.line.extend_from_slice(&BOM[..self.bom_matched]);
                return chunk;
            }
            self.count_scanned(1);
            chunk = rest;
            self.bom_matched += 1;
            if self.bom_matched == BOM.len() {
                self.bom_done = true;
                return chunk;
            }
        }
        chunk
    }

    fn find_line_end(&mut self, bytes: &[u8]) -> Option<usize> {
        let end = find_cr_or_lf(bytes);
        self.count_scanned(end.map_or(bytes.len(), |end| end + 1));
        end
    }

    /// What follows the line end at `end`; a CR that ends the chunk may be half of a CRLF.
    fn after_line_end<'c>(&mut self, bytes: &'c [u8], end: usize) -> &'c [u8] {
        let rest = &bytes[end + 1..];
        if bytes[end] != b'\r' {
            return rest;
        }
        match rest.first() {
            Some(b'\n') => {
                self.count_scanned(1);
                &rest[1..]
            }
            Some(_) => rest,
            None => {
                self.after_cr = true;
                rest
            }
        }
    }

    #[cfg(test)]
    fn count_scanned(&mut self, bytes: usize) {
        self.scanned += bytes;
    }

    #[cfg(not(test))]
    fn count_scanned(&mut self, _bytes: usize) {}

    /// The size of the current block's event: its data as it would be dispatched (without the
    /// LF after the last line), type and id.
    fn buffered(&self) -> usize {
        self.data.len().saturating_sub(1) + self.event_type.len() + self.id_buffer.len()
    }

    /// A line of `len` bytes (so far) must fit beside the block; the same test whether the
    /// line arrives whole or in pieces, so the outcome does not depend on chunking.
    fn check_line(&self, len: usize) -> Result<(), EventTooLarge> {
        if self.buffered() + len > self.max_event_size.saturating_add(LINE_SLACK) {
            return Err(self.too_large());
        }
        Ok(())
    }

    fn check_block(&self) -> Result<(), EventTooLarge> {
        if self.buffered() > self.max_event_size {
            return Err(self.too_large());
        }
        Ok(())
    }

    fn too_large(&self) -> EventTooLarge {
        EventTooLarge {
            limit: self.max_event_size,
        }
    }

    /// One line, without its line end.
    fn process_line(&mut self, line: &[u8], sink: &mut impl Sink) -> Result<(), EventTooLarge> {
        // Fast path: most lines of a busy stream are data.
        if let Some(value) = line.strip_prefix(b"data:") {
            return self.append_data(strip_space(value));
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(0) => return Ok(()), // a comment
            Some(colon) => (&line[..colon], strip_space(&line[colon + 1..])),
            None if line.is_empty() => {
                self.dispatch(sink);
                return Ok(());
            }
            None => (line, &[][..]),
        };
        // Comparing bytes is comparing decoded names: a name with an invalid byte would hold a
        // U+FFFD and match none of these.
        match name {
            b"data" => self.append_data(value)?,
            b"event" => {
                set(&mut self.event_type, &String::from_utf8_lossy(value));
                self.check_block()?;
            }
            // U+0000 decodes from the byte 0 and from nothing else.
            b"id" if !value.contains(&0) => {
                set(&mut self.id_buffer, &String::from_utf8_lossy(value));
                self.check_block()?;
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let ms = value.iter().fold(0u64, |ms, &digit| {
                    ms.saturating_mul(10)
                        .saturating_add(u64::from(digit - b'0'))
                });
                sink.retry(ms);
            }
            _ => {}
        }
        Ok(())
    }

    fn append_data(&mut self, value: &[u8]) -> Result<(), EventTooLarge> {
        // Checked before growing, and again after decoding (a U+FFFD is longer than its byte).
        let separator = usize::from(!self.data.is_empty());
        if self.buffered() + separator + value.len() > self.max_event_size {
            return Err(self.too_large());
        }
        // Room for the LF too: pushing it must not reallocate (and copy) a large line.
        self.data.reserve(value.len() + 1);
        push_lossy(&mut self.data, value);
        self.data.push('\n');
        self.check_block()
    }

    /// A blank line: commit the id, then fire the block's event if it has data.
    fn dispatch(&mut self, sink: &mut impl Sink) {
        if self.last_event_id != self.id_buffer {
            set(&mut self.last_event_id, &self.id_buffer);
            sink.last_event_id(&self.last_event_id);
        }
        if !self.data.is_empty() {
            self.data.pop(); // the LF after the last line
            let event_type = match self.event_type.as_str() {
                "" => "message",
                event_type => event_type,
            };
            sink.event(Event {
                event_type,
                data: &mut self.data,
                last_event_id: &self.last_event_id,
            });
        }
        self.data.clear();
        shrink(&mut self.data);
        self.event_type.clear();
        shrink(&mut self.event_type);
    }
}

/// The index of the first CR or LF: sixteen bytes at a time with wasm SIMD, the rest (and
/// every byte off wasm) by [`find_in_words`]. A long line is most of the work of a large event.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn find_cr_or_lf(bytes: &[u8]) -> Option<usize> {
    use core::arch::wasm32::{i64x2, u8x16_bitmask, u8x16_eq, u8x16_splat, v128_any_true, v128_or};
    let (lf, cr) = (u8x16_splat(b'\n'), u8x16_splat(b'\r'));
    let word = |half: &[u8]| half.try_into().map_or(0, i64::from_le_bytes);
    let mut blocks = bytes.chunks_exact(16);
    let mut at = 0;
    for block in &mut blocks {
        let (low, high) = block.split_at(8);
        let block = i64x2(word(low), word(high));
        let ends = v128_or(u8x16_eq(block, lf), u8x16_eq(block, cr));
        if v128_any_true(ends) {
            return Some(at + u8x16_bitmask(ends).trailing_zeros() as usize);
        }
        at += 16;
    }
    find_in_words(blocks.remainder()).map(|i| at + i)
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn find_cr_or_lf(bytes: &[u8]) -> Option<usize> {
    find_in_words(bytes)
}

/// The index of the first CR or LF: eight bytes at a time, skipping words that hold neither.
fn find_in_words(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let is_line_end = |byte: &u8| *byte == b'\n' || *byte == b'\r';
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let value = word.try_into().map_or(0, u64::from_le_bytes);
        if has_zero_byte(value ^ (ONES * u64::from(b'\n')))
            || has_zero_byte(value ^ (ONES * u64::from(b'\r')))
        {
            return word.iter().position(is_line_end).map(|i| at + i);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(is_line_end)
        .map(|i| at + i)
}

/// One leading space is part of the syntax, not of the value.
fn strip_space(value: &[u8]) -> &[u8] {
    value.strip_prefix(b" ").unwrap_or(value)
}

/// Appends `bytes` decoded as UTF-8, each invalid sequence a U+FFFD. `from_utf8` first: it
/// checks a word at a time where `from_utf8_lossy` checks a byte at a time.
fn push_lossy(to: &mut String, bytes: &[u8]) {
    match core::str::from_utf8(bytes) {
        Ok(text) => to.push_str(text),
        Err(_) => to.push_str(&String::from_utf8_lossy(bytes)),
    }
}

/// Replaces `to` with `from`, reusing its allocation unless that is oversized.
fn set(to: &mut String, from: &str) {
    to.clear();
    to.push_str(from);
    shrink(to);
}

fn shrink(buffer: &mut String) {
    if buffer.capacity() > SHRINK_ABOVE {
        buffer.shrink_to(buffer.len());
    }
}

fn shrink_vec(buffer: &mut Vec<u8>) {
    if buffer.capacity() > SHRINK_ABOVE {
        buffer.shrink_to(buffer.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{format, vec};

    /// Natively the word scan; on wasm (the browser steps run this module's tests too) the
    /// SIMD scan, whose blocks are 16 bytes.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn line_ends_are_found_wherever_they_fall_in_a_word() {
        for len in 0..40 {
            for end in 0..=len {
                for byte in [b'\n', b'\r'] {
                    let mut bytes = vec![b'a'; len];
                    // Bytes next to the line ends that a faulty word test could confuse.
                    bytes.iter_mut().step_by(3).for_each(|b| *b = 0x0B);
                    if end < len {
                        bytes[end] = byte;
                    }
                    let expected = (end < len).then_some(end);
                    assert_eq!(find_cr_or_lf(&bytes), expected, "len {len}, end {end}");
                }
            }
        }
        assert_eq!(find_cr_or_lf("é😀\u{80}x\r".as_bytes()), Some(9));
    }

    /// What a sink saw, in order.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Seen {
        Event {
            event_type: String,
            data: String,
            last_event_id: String,
        },
        Id(String),
        Retry(u64),
    }

    #[derive(Debug, Default)]
    struct Recorder(Vec<Seen>);

    impl Sink for Recorder {
        fn event(&mut self, event: Event<'_>) {
            self.0.push(Seen::Event {
                event_type: event.event_type.to_owned(),
                data: event.data.to_owned(),
                last_event_id: event.last_event_id.to_owned(),
            });
        }
        fn last_event_id(&mut self, id: &str) {
            self.0.push(Seen::Id(id.to_owned()));
        }
        fn retry(&mut self, ms: u64) {
            self.0.push(Seen::Retry(ms));
        }
    }

    fn ev(event_type: &str, data: &str, last_event_id: &str) -> Seen {
        Seen::Event {
            event_type: event_type.to_owned(),
            data: data.to_owned(),
            last_event_id: last_event_id.to_owned(),
        }
    }

    fn msg(data: &str) -> Seen {
        ev("message", data, "")
    }

    fn id(id: &str) -> Seen {
        Seen::Id(id.to_owned())
    }

    fn retry(ms: u64) -> Seen {
        Seen::Retry(ms)
    }

    type Outcome = (Vec<Seen>, Result<(), EventTooLarge>);

    /// Feeds the chunks, checking that every byte is scanned exactly once, then ends the stream.
    fn run(chunks: &[&[u8]], flush: bool, limit: usize) -> Outcome {
        let mut parser = Parser::new(limit);
        let mut sink = Recorder::default();
        let mut fed = 0;
        for chunk in chunks {
            fed += chunk.len();
            if let Err(error) = parser.feed(chunk, &mut sink) {
                return (sink.0, Err(error));
            }
            assert_eq!(parser.scanned, fed, "bytes scanned != bytes fed");
        }
        let result = parser.finish(flush, &mut sink);
        (sink.0, result)
    }

    /// The stream whole, in every 2-way split (empty chunks included), byte by byte, and in a
    /// few fixed and irregular chunkings.
    fn chunkings(input: &[u8]) -> Vec<Vec<&[u8]>> {
        let mut all = vec![vec![input]];
        for cut in 0..=input.len() {
            all.push(vec![&input[..cut], &input[cut..]]);
        }
        for size in [1, 2, 3, 5, 7, 64] {
            all.push(input.chunks(size).collect());
        }
        let mut irregular = Vec::new();
        let mut rest = input;
        for size in [1, 4, 2, 8, 3, 16, 0, 5].iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at((*size).min(rest.len()));
            irregular.push(chunk);
            rest = tail;
        }
        all.push(irregular);
        all
    }

    /// Every chunking gives `expected`.
    fn check(name: &str, input: &[u8], flush: bool, limit: usize, expected: &Outcome) {
        for chunks in chunkings(input) {
            let outcome = run(&chunks, flush, limit);
            assert_eq!(&outcome, expected, "{name}, chunks {chunks:?}");
        }
    }

    struct Vector {
        name: &'static str,
        input: Vec<u8>,
        flush: bool,
        expected: Vec<Seen>,
    }

    fn v(name: &'static str, input: impl AsRef<[u8]>, expected: Vec<Seen>) -> Vector {
        Vector {
            name,
            input: input.as_ref().to_vec(),
            flush: false,
            expected,
        }
    }

    fn flushed(name: &'static str, input: impl AsRef<[u8]>, expected: Vec<Seen>) -> Vector {
        Vector {
            flush: true,
            ..v(name, input, expected)
        }
    }

    /// Streams from the WPT `eventsource/format-*` tests (their server appends "\n\n\n", or
    /// "\n" with `newline=none`), and from the standard's text.
    fn vectors() -> Vec<Vector> {
        let long = "x".repeat(2048);
        let hello = "id: \u{2026}\nretry: 200\ndata: hello\n\n";
        let mut vectors = vec![
            v(
                "bom",
                b"\xEF\xBB\xBFdata:1\n\n\xEF\xBB\xBFdata:2\n\ndata:3\n\n\n",
                vec![msg("1"), msg("3")],
            ),
            v(
                "bom twice",
                b"\xEF\xBB\xBF\xEF\xBB\xBFdata:1\n\ndata:2\n\ndata:3\n\n\n",
                vec![msg("2"), msg("3")],
            ),
            v(
                "bom at the start of a later line is content",
                b"data:1\n\xEF\xBB\xBFdata:2\n\n",
                vec![msg("1")],
            ),
            v(
                "part of a bom is content",
                b"\xEF\xBBdata:1\n\ndata:2\n\n",
                vec![msg("2")],
            ),
            v("bom alone", b"\xEF\xBB\xBF", vec![]),
            flushed("part of a bom alone, flushed", b"\xEF\xBB", vec![]),
            flushed("bom then unterminated data, flushed", b"\xEF\xBB\xBFdata:1", vec![msg("1")]),
            v(
                "comments",
                format!("data:1\r:\0\n:\r\ndata:2\n:{long}\rdata:3\n:data:fail\r:{long}\ndata:4\n\n"),
                vec![msg("1\n2\n3\n4")],
            ),
            v("heartbeat comment is no event", ": keep-alive\n\n: ping\n\n", vec![]),
            v(
                "data before final empty line",
                "retry:1000\ndata:test1\n\nid:test\ndata:test2\n",
                vec![retry(1000), msg("test1")],
            ),
            flushed(
                "data before final empty line, flushed",
                "retry:1000\ndata:test1\n\nid:test\ndata:test2\n",
                vec![retry(1000), msg("test1"), id("test"), ev("message", "test2", "test")],
            ),
            v(
                "field data",
                "data:\n\ndata\ndata\n\ndata:test\n\n\n",
                vec![msg(""), msg("\n"), msg("test")],
            ),
            v("data with no colon", "data\n\n", vec![msg("")]),
            v("data colon empty", "data:\n\n", vec![msg("")]),
            v("two spaces after colon", "data:  world\n\n", vec![msg(" world")]),
            v("one trailing lf removed", "data:a\ndata:\n\n", vec![msg("a\n")]),
            v(
                "field event",
                "event:test\ndata:x\n\ndata:x\n\n\n",
                vec![ev("test", "x", ""), msg("x")],
            ),
            v("field event empty", "event: \ndata:data\n\n\n", vec![msg("data")]),
            v(
                "event type reset by a block without data",
                "event:x\n\ndata:a\n\n",
                vec![msg("a")],
            ),
            v(
                "event type multibyte",
                "event: \u{fc}ber\ndata:x\n\n",
                vec![ev("\u{fc}ber", "x", "")],
            ),
            v(
                "field id",
                hello,
                vec![retry(200), id("\u{2026}"), ev("message", "hello", "\u{2026}")],
            ),
            v(
                "field id 2: the id persists",
                format!("{hello}data: \u{2026}\n\n"),
                vec![
                    retry(200),
                    id("\u{2026}"),
                    ev("message", "hello", "\u{2026}"),
                    ev("message", "\u{2026}", "\u{2026}"),
                ],
            ),
            v(
                "bare id resets the id",
                "id: 1\ndata: a\n\nid\ndata: b\n\n",
                vec![id("1"), ev("message", "a", "1"), id(""), msg("b")],
            ),
            v("id with a colon", "id: a:b\n\n", vec![id("a:b")]),
            v(
                "block with only an id commits it",
                "id: 7\n\ndata:x\n\n",
                vec![id("7"), ev("message", "x", "7")],
            ),
            v(
                "id applied at dispatch only",
                "data:a\nid:1\n\nid:2\ndata:b\n",
                vec![id("1"), ev("message", "a", "1")],
            ),
            v(
                "last id of a block wins",
                "id:1\ndata:a\nid:2\n\n",
                vec![id("2"), ev("message", "a", "2")],
            ),
            v("unchanged id is not reported again", "id:1\n\nid:1\n\n", vec![id("1")]),
            v("field retry", "retry:03000\ndata:x\n\n\n", vec![retry(3000), msg("x")]),
            v(
                "field retry bogus",
                "retry:3000\nretry:1000x\ndata:x\n\n\n",
                vec![retry(3000), msg("x")],
            ),
            v("field retry empty", "retry\ndata:test\n\n\n", vec![msg("test")]),
            v("field retry colon empty", "retry:\n", vec![]),
            v(
                "field retry with spaces",
                "retry: 1000\nretry:  2000\nretry:3000 \nretry:4 0\n",
                vec![retry(1000)],
            ),
            v(
                "field retry saturates",
                "retry:99999999999999999999999\n",
                vec![retry(u64::MAX)],
            ),
            v("field retry takes effect without dispatch", "retry:5\ndata:x\n", vec![retry(5)]),
            v("field retry unterminated", "retry:5", vec![]),
            flushed("field retry unterminated, flushed", "retry:5", vec![retry(5)]),
            v("field retry not digits", "retry:-1\nretry:+1\nretry:1.5\nretry:\u{663}\n", vec![]),
            v(
                "field unknown",
                "data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n\n",
                vec![msg("test\n\ntest")],
            ),
            v("field names are case-sensitive", "Data:x\nDATA:y\n\n", vec![]),
            v(
                "field parsing",
                "data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n",
                vec![msg("\0\n 2\n1\n3\n\n4")],
            ),
            v("leading space", "data:\ttest\rdata: \ndata:test\n\n\n", vec![msg("\ttest\n\ntest")]),
            v(
                "mime irrelevant: always utf-8",
                b"data:ok\xE2\x80\xA6\n\n\n",
                vec![msg("ok\u{2026}")],
            ),
            v(
                "newlines",
                "data:test\r\ndata\ndata:test\r\n\r\n",
                vec![msg("test\n\ntest")],
            ),
            v("cr only", "data:a\rdata:b\r\r", vec![msg("a\nb")]),
            v("lf then cr is two line ends", "data:a\n\rdata:b\n\n", vec![msg("a"), msg("b")]),
            v("cr crlf", "data:a\r\r\ndata:b\n\n", vec![msg("a"), msg("b")]),
            v("cr as the last byte ends the line", "data:a\n\r", vec![msg("a")]),
            v("cr as the last byte, no blank line", "data:a\r", vec![]),
            v("null character", "data:\0\n\n\n", vec![msg("\0")]),
            v(
                "utf-8 multibyte",
                "data:\u{e9}\u{20ac}\u{1f600}\n\n",
                vec![msg("\u{e9}\u{20ac}\u{1f600}")],
            ),
            v(
                "utf-8 invalid: one U+FFFD per maximal subsequence",
                b"data:a\xFFb\xE2\x80c\xF0\x9F\x98\n\n",
                vec![msg("a\u{FFFD}b\u{FFFD}c\u{FFFD}")],
            ),
            v(
                "utf-8 invalid: overlong and surrogate",
                b"data:\xC0\x80|\xED\xA0\x80\n\n",
                vec![msg("\u{FFFD}\u{FFFD}|\u{FFFD}\u{FFFD}\u{FFFD}")],
            ),
            v(
                "utf-8 invalid in event type and id",
                b"event:\xFF\nid:\xFE\ndata:x\n\n",
                vec![id("\u{FFFD}"), ev("\u{FFFD}", "x", "\u{FFFD}")],
            ),
            v(
                "utf-8 truncated at the end of a line",
                b"data:\xE2\x82\ndata:\xE2\x82\xAC\n\n",
                vec![msg("\u{FFFD}\n\u{20ac}")],
            ),
            v("unterminated final event discarded", "data:a\n\ndata:b", vec![msg("a")]),
            flushed(
                "unterminated final event, flushed",
                "data:a\n\ndata:b",
                vec![msg("a"), msg("b")],
            ),
            flushed(
                "unterminated final block, flushed",
                "data:a\n\ndata:b\n",
                vec![msg("a"), msg("b")],
            ),
            flushed("terminated stream, flushed: nothing more", "data:a\n\n", vec![msg("a")]),
            flushed("flushed after a final cr", "data:a\r", vec![msg("a")]),
            v("empty stream", "", vec![]),
            flushed("empty stream, flushed", "", vec![]),
        ];
        for null_id in ["\0\0", "x\0", "\0x", "x\0x", " \0"] {
            vectors.push(v(
                "field id with U+0000 is ignored",
                format!("id: {null_id}\nretry: 200\ndata: hello\n\n"),
                vec![retry(200), msg("hello")],
            ));
        }
        vectors
    }

    #[test]
    fn vectors_give_the_same_outcome_in_every_chunking() {
        let vectors = vectors();
        for vector in &vectors {
            let expected = (vector.expected.clone(), Ok(()));
            check(
                vector.name,
                &vector.input,
                vector.flush,
                DEFAULT_MAX_EVENT_SIZE,
                &expected,
            );
        }
    }

    #[test]
    fn cr_and_lf_in_separate_chunks_are_one_line_end() {
        let chunks: [&[u8]; 4] = [b"data:a\r", b"\ndata:b\r", b"\n\r", b"\n"];
        assert_eq!(run(&chunks, false, 100), (vec![msg("a\nb")], Ok(())));
    }

    #[test]
    fn bom_in_separate_chunks_is_stripped() {
        let chunks: [&[u8]; 4] = [b"\xEF", b"\xBB", b"\xBF", b"data:1\n\n"];
        assert_eq!(run(&chunks, false, 100), (vec![msg("1")], Ok(())));
        // A later chunk starting with a BOM is content.
        let chunks: [&[u8]; 3] = [
            b"\xEF\xBB\xBFdata:1\n\n",
            b"\xEF\xBB\xBFdata:2\n\n",
            b"data:3\n\n",
        ];
        assert_eq!(run(&chunks, false, 100), (vec![msg("1"), msg("3")], Ok(())));
    }

    #[test]
    fn character_split_across_chunks_is_not_replaced() {
        let chunks: [&[u8]; 4] = [b"data:\xF0", b"\x9F", b"\x98\x80\xE2\x82", b"\xAC\n\n"];
        assert_eq!(
            run(&chunks, false, 100),
            (vec![msg("\u{1f600}\u{20ac}")], Ok(()))
        );
    }

    #[test]
    fn cr_as_the_last_byte_of_the_stream_ends_the_line() {
        let chunks: [&[u8]; 2] = [b"data:a\n", b"\r"];
        assert_eq!(run(&chunks, false, 100), (vec![msg("a")], Ok(())));
    }

    #[test]
    fn reset_keeps_the_id_and_expects_a_bom_again() {
        let mut parser = Parser::new(100);
        let mut sink = Recorder::default();
        parser
            .feed(b"id: 5\ndata:a\n\nid: 6\ndata:partial\r", &mut sink)
            .unwrap();
        parser.finish(false, &mut sink).unwrap();
        // The CR state went too: this LF is a blank line of the new stream.
        parser.feed(b"\xEF\xBB\xBF\ndata:b\n\n", &mut sink).unwrap();
        assert_eq!(
            sink.0,
            vec![id("5"), ev("message", "a", "5"), ev("message", "b", "5")]
        );
        assert_eq!(parser.last_event_id(), "5");
    }

    #[test]
    fn set_last_event_id_is_not_reported_and_persists() {
        let mut parser = Parser::new(100);
        let mut sink = Recorder::default();
        parser.set_last_event_id("41");
        parser.feed(b"data:a\n\nid\n\n", &mut sink).unwrap();
        assert_eq!(sink.0, vec![ev("message", "a", "41"), id("")]);
        assert_eq!(parser.last_event_id(), "");
    }

    #[test]
    fn event_at_the_limit_passes_and_above_fails() {
        let limit = 16;
        let too_large = Err(EventTooLarge { limit });
        let at = format!("data:{}\n\n", "x".repeat(16));
        check(
            "at",
            at.as_bytes(),
            false,
            limit,
            &(vec![msg(&"x".repeat(16))], Ok(())),
        );
        let above = format!("data:{}\n\n", "x".repeat(17));
        check(
            "above",
            above.as_bytes(),
            false,
            limit,
            &(vec![], too_large),
        );
        // Lines joined with LF, plus the type, count.
        let lines = format!(
            "event:abc\ndata:{}\ndata:{}\n\n",
            "x".repeat(6),
            "y".repeat(6)
        );
        let expected = ev("abc", "xxxxxx\nyyyyyy", "");
        check(
            "lines",
            lines.as_bytes(),
            false,
            limit,
            &(vec![expected], Ok(())),
        );
        let lines = format!(
            "event:abcd\ndata:{}\ndata:{}\n\n",
            "x".repeat(6),
            "y".repeat(6)
        );
        check(
            "lines above",
            lines.as_bytes(),
            false,
            limit,
            &(vec![], too_large),
        );
        // Events before the large one are delivered, in every chunking.
        let after = format!("data:a\n\ndata:{}\n\n", "x".repeat(17));
        check(
            "after",
            after.as_bytes(),
            false,
            limit,
            &(vec![msg("a")], too_large),
        );
        // A long line of an unknown field, or one that never ends, is refused too.
        let unknown = format!("foo:{}\n", "x".repeat(64));
        check(
            "unknown",
            unknown.as_bytes(),
            false,
            limit,
            &(vec![], too_large),
        );
        let endless = "x".repeat(64);
        check(
            "endless",
            endless.as_bytes(),
            false,
            limit,
            &(vec![], too_large),
        );
    }

    #[test]
    fn after_too_large_the_parser_is_reset_and_keeps_the_id() {
        let mut parser = Parser::new(8);
        let mut sink = Recorder::default();
        parser
            .feed(b"id:1\n\nevent:e\ndata:0123", &mut sink)
            .unwrap();
        let error = parser.feed(b"456789\n", &mut sink);
        assert_eq!(error, Err(EventTooLarge { limit: 8 }));
        assert!(parser.line.is_empty() && parser.data.is_empty() && parser.event_type.is_empty());
        parser.feed(b"\xEF\xBB\xBFdata:ok\n\n", &mut sink).unwrap();
        assert_eq!(sink.0, vec![id("1"), ev("message", "ok", "1")]);
        // Flushing can fail too, and resets as well.
        parser.feed(b"data:0123456789", &mut sink).unwrap();
        assert_eq!(
            parser.finish(true, &mut sink),
            Err(EventTooLarge { limit: 8 })
        );
        assert!(parser.line.is_empty() && parser.data.is_empty());
    }

    #[test]
    fn too_large_message() {
        let error = EventTooLarge { limit: 33_554_432 };
        assert_eq!(
            error.to_string(),
            "an event exceeded the 33554432-byte limit"
        );
        assert_eq!(
            EventTooLarge { limit: 0 }.to_string(),
            "an event exceeded the 0-byte limit"
        );
        let _: &dyn core::error::Error = &error;
    }

    #[test]
    fn buffers_shrink_after_a_large_event() {
        let big = format!(
            "event:{}\ndata:{}\n\n",
            "t".repeat(100_000),
            "x".repeat(1 << 20)
        );
        for chunk_size in [big.len(), 1024] {
            let mut parser = Parser::new(DEFAULT_MAX_EVENT_SIZE);
            let mut sink = Recorder::default();
            for chunk in big.as_bytes().chunks(chunk_size) {
                parser.feed(chunk, &mut sink).unwrap();
            }
            assert_eq!(sink.0.len(), 1);
            assert!(parser.data.capacity() <= SHRINK_ABOVE);
            assert!(parser.event_type.capacity() <= SHRINK_ABOVE);
            assert!(parser.line.capacity() <= SHRINK_ABOVE);
        }
    }

    #[test]
    fn a_large_line_in_small_chunks_is_scanned_once() {
        let size = 4 << 20;
        let mut stream = b"data:".to_vec();
        stream.resize(5 + size, b'x');
        stream.extend_from_slice(b"\n\n");
        let mut parser = Parser::new(DEFAULT_MAX_EVENT_SIZE);
        let mut sink = Recorder::default();
        for chunk in stream.chunks(1024) {
            parser.feed(chunk, &mut sink).unwrap();
        }
        assert_eq!(parser.scanned, stream.len());
        let [Seen::Event { data, .. }] = &sink.0[..] else {
            panic!("one event expected, got {} records", sink.0.len());
        };
        assert_eq!(data.len(), size);
    }

    /// The standard's algorithm, as directly as possible: decode the whole stream, drop one
    /// BOM, split lines, apply the field rules.
    fn reference(stream: &[u8], flush: bool) -> Vec<Seen> {
        let text = String::from_utf8_lossy(stream);
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    lines.push(core::mem::take(&mut line));
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                }
                '\n' => lines.push(core::mem::take(&mut line)),
                c => line.push(c),
            }
        }
        if flush {
            if !line.is_empty() {
                lines.push(line);
            }
            lines.push(String::new());
        }
        let mut seen = Vec::new();
        let (mut data, mut event_type) = (String::new(), String::new());
        let (mut id_buffer, mut last_event_id) = (String::new(), String::new());
        for line in lines {
            if line.is_empty() {
                if last_event_id != id_buffer {
                    last_event_id = id_buffer.clone();
                    seen.push(Seen::Id(last_event_id.clone()));
                }
                if !data.is_empty() {
                    data.pop();
                    let event_type = if event_type.is_empty() {
                        "message"
                    } else {
                        &event_type
                    };
                    seen.push(ev(event_type, &data, &last_event_id));
                }
                data.clear();
                event_type.clear();
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (name, value) = match line.split_once(':') {
                Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
                None => (line.as_str(), ""),
            };
            match name {
                "data" => {
                    data.push_str(value);
                    data.push('\n');
                }
                "event" => event_type = value.to_owned(),
                "id" if !value.contains('\0') => id_buffer = value.to_owned(),
                "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    seen.push(Seen::Retry(value.parse().unwrap_or(u64::MAX)));
                }
                _ => {}
            }
        }
        seen
    }

    #[test]
    fn reference_agrees_with_the_vectors() {
        for vector in vectors() {
            assert_eq!(
                reference(&vector.input, vector.flush),
                vector.expected,
                "{}",
                vector.name
            );
        }
    }

    // proptest is a native-only dev-dependency.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Pieces that make streams interesting: field names, separators, line ends, BOMs,
        /// multibyte characters and invalid bytes.
        fn fragment() -> impl Strategy<Value = Vec<u8>> {
            let fixed: Vec<&'static [u8]> = vec![
                b"data",
                b"data:",
                b"event",
                b"id",
                b"retry",
                b":",
                b" ",
                b"\r",
                b"\n",
                b"\r\n",
                b"\xEF\xBB\xBF",
                b"\xEF\xBB",
                b"\xC3\xA9",
                b"\xE2\x82\xAC",
                b"\xF0\x9F\x98\x80",
                b"\xFF",
                b"\xE2\x82",
                b"\xF0",
                b"\x80",
                b"\0",
                b"123",
                b"x",
                b"abc",
            ];
            prop_oneof![
                4 => proptest::sample::select(fixed).prop_map(<[u8]>::to_vec),
                1 => any::<u8>().prop_map(|b| vec![b]),
            ]
        }

        fn stream() -> impl Strategy<Value = Vec<u8>> {
            proptest::collection::vec(fragment(), 0..60).prop_map(|parts| parts.concat())
        }

        /// Cuts `stream` at the given points (taken modulo its length, any order).
        fn cut(stream: &[u8], points: &[usize]) -> Vec<Vec<u8>> {
            let mut points: Vec<usize> = points.iter().map(|p| p % (stream.len() + 1)).collect();
            points.sort_unstable();
            let mut chunks = Vec::new();
            let mut start = 0;
            for point in points {
                chunks.push(stream[start..point].to_vec());
                start = point;
            }
            chunks.push(stream[start..].to_vec());
            chunks
        }

        fn run_cut(stream: &[u8], points: &[usize], flush: bool, limit: usize) -> Outcome {
            let chunks = cut(stream, points);
            let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            run(&chunks, flush, limit)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn chunking_does_not_matter(
                stream in stream(),
                points in proptest::collection::vec(any::<usize>(), 0..12),
                flush in any::<bool>(),
            ) {
                let whole = run(&[&stream], flush, DEFAULT_MAX_EVENT_SIZE);
                prop_assert_eq!(run_cut(&stream, &points, flush, DEFAULT_MAX_EVENT_SIZE), whole);
            }

            #[test]
            fn chunking_does_not_matter_under_a_small_limit(
                stream in stream(),
                points in proptest::collection::vec(any::<usize>(), 0..12),
                limit in 0usize..24,
            ) {
                let whole = run(&[&stream], true, limit);
                prop_assert_eq!(run_cut(&stream, &points, true, limit), whole);
            }

            #[test]
            fn arbitrary_bytes_never_panic(
                stream in proptest::collection::vec(any::<u8>(), 0..512),
                points in proptest::collection::vec(any::<usize>(), 0..16),
                flush in any::<bool>(),
                limit in prop_oneof![Just(DEFAULT_MAX_EVENT_SIZE), 0usize..64],
            ) {
                let _ = run_cut(&stream, &points, flush, limit);
            }

            #[test]
            fn matches_the_reference(
                stream in stream(),
                points in proptest::collection::vec(any::<usize>(), 0..12),
                flush in any::<bool>(),
            ) {
                let expected = (reference(&stream, flush), Ok(()));
                let outcome = run_cut(&stream, &points, flush, DEFAULT_MAX_EVENT_SIZE);
                prop_assert_eq!(&outcome, &expected);
                let bytes: Vec<&[u8]> = stream.chunks(1).collect();
                prop_assert_eq!(&run(&bytes, flush, DEFAULT_MAX_EVENT_SIZE), &expected);
            }
        }
    }
}
