//! Carrying the last event id into a re-created connection as a query parameter, because a
//! native `EventSource` cannot send a `Last-Event-ID` header of its own choosing.

use crate::prelude::*;

/// Returns `url` with the query parameter `name` set to `value` (replacing any earlier value of
/// that name, keeping every other parameter and the fragment).
pub(crate) fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let (base, fragment) = url
        .split_once('#')
        .map_or((url, None), |(b, f)| (b, Some(f)));
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let key = encode(name);
    let mut out = String::with_capacity(url.len() + key.len() + value.len() * 3 + 2);
    out.push_str(path);
    out.push('?');
    for pair in query.split('&') {
        if !pair.is_empty() && pair.split('=').next() != Some(key.as_str()) {
            out.push_str(pair);
            out.push('&');
        }
    }
    out.push_str(&key);
    out.push('=');
    out.push_str(&encode(value));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// Percent-encodes everything but the unreserved characters, like `encodeURIComponent`.
fn encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_query_param;

    #[test]
    fn adds_a_query_when_there_is_none() {
        assert_eq!(
            with_query_param("/sse", "lastEventId", "7"),
            "/sse?lastEventId=7"
        );
    }

    #[test]
    fn keeps_other_parameters_and_the_fragment() {
        assert_eq!(
            with_query_param("http://h/sse?run=a&x=1#top", "lastEventId", "7"),
            "http://h/sse?run=a&x=1&lastEventId=7#top"
        );
    }

    #[test]
    fn replaces_an_earlier_value() {
        assert_eq!(
            with_query_param("/sse?lastEventId=3&run=a", "lastEventId", "9"),
            "/sse?run=a&lastEventId=9"
        );
    }

    #[test]
    fn encodes_the_value() {
        assert_eq!(
            with_query_param("/s", "id", "a b&c=é"),
            "/s?id=a%20b%26c%3D%C3%A9"
        );
    }
}
