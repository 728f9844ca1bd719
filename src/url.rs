//! Carrying the last event id into a re-created connection as a query parameter, because a
//! native `EventSource` cannot send a `Last-Event-ID` header of its own choosing.

/// Returns `url` with the query parameter `name` set to `value` (replacing any earlier value of
/// that name, keeping every other parameter and the fragment).
pub(crate) fn with_query_param(url: &str, name: &str, value: &str) -> String {
    let (base, fragment) = match url.find('#') {
        Some(at) => url.split_at(at),
        None => (url, ""),
    };
    let (path, query) = match base.find('?') {
        Some(at) => (&base[..at], &base[at + 1..]),
        None => (base, ""),
    };
    let key = encode(name);
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(key.as_str()))
        .map(str::to_owned)
        .collect();
    pairs.push(format!("{key}={}", encode(value)));
    format!("{path}?{}{fragment}", pairs.join("&"))
}

/// Percent-encodes everything but the unreserved characters, like `encodeURIComponent`.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
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
