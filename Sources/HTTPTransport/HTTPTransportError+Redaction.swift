extension HTTPTransportError {
    /// `url` safe to log: its query string (SAS tokens such as `sig=…`) and any `user:password@`
    /// are replaced by `[redacted]`, and a fragment is dropped; scheme, host, port and path stay.
    package static func redacting(_ url: String) -> String {
        var text = Substring(url)
        if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
        var query = ""
        if let mark = text.firstIndex(of: "?") {
            query = "?[redacted]"
            text = text[..<mark]
        }
        guard let schemeEnd = text.firstRange(of: "://") else { return String(text) + query }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return String(text) + query }
        let host = authority[authority.index(after: at)...]
        return String(text[..<schemeEnd.upperBound]) + "[redacted]@" + host + String(rest[authorityEnd...]) + query
    }
}
