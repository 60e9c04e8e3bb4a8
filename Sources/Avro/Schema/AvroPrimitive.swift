/// The Avro primitive types.
package enum AvroPrimitive: String, Sendable, CaseIterable {
    case null, boolean, int, long, float, double, bytes, string
}
