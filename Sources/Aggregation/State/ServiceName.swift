/// `AURA_SERVICE_NAME_CD` symbols, in the reader schema's order (the enum index Avro yields).
package enum ServiceName {
    /// Symbol names by index.
    package static let symbols: [String] = ["message", "nlpaas", "ai", "other"]

    /// The name of `index`; unknown indexes print as `#n` (never happens with the reader schema).
    package static func name(_ index: UInt8) -> String {
        Int(index) < symbols.count ? symbols[Int(index)] : "#\(index)"
    }

    /// The index of `name`, if it is a symbol.
    package static func index(_ name: String) -> UInt8? {
        symbols.firstIndex(of: name).map { UInt8($0) }
    }
}
