/// One instruction of a compiled decoding plan: a plain value type, so running a plan does no
/// reference counting.
///
/// Skip instructions follow the writer schema and discard the value (still validating it);
/// read instructions store a projected value into `slot` of ``AvroValues``.
struct DecodeOp: Sendable {
    enum Kind: UInt8, Sendable {
        /// Nothing to read (writer `null`, or an empty program).
        case nop
        /// int/long: validate and discard a varint.
        case skipVarint
        /// boolean: one byte, 0 or 1.
        case skipBoolean
        /// float, double, fixed: `arg` bytes.
        case skipFixed
        /// bytes: length + content.
        case skipBytes
        /// string: length + UTF-8 content (validated).
        case skipString
        /// enum: index in `0..<arg2`.
        case skipEnum
        /// union: index in `0..<arg2`, then branch op `branchOps[arg + index]`.
        case skipUnion
        /// array: blocks of items, each item runs program `arg`; `arg2` = item's minimum size.
        case skipArray
        /// map: blocks of (string key, value program `arg`).
        case skipMap
        /// nested record: runs program `arg`.
        case call
        /// Fused `["null","string"]` union, skipped.
        case skipNullableString
        /// `arg` consecutive `["null","string"]` unions, skipped (a fused run).
        case skipNullableStrings
        /// `arg` consecutive strings, skipped (a fused run).
        case skipStrings
        /// Fused `["null","string"]` union read into the slot (null or the string).
        case readNullableString
        /// Writer int/long into a long slot.
        case readLong
        /// Writer int/long into a float/double slot (promotion).
        case readLongAsDouble
        /// Writer float into a float/double slot.
        case readFloat
        /// Writer double into a double slot.
        case readDouble
        /// Writer boolean into a long slot (0/1).
        case readBoolean
        /// Writer string or bytes read as a validated UTF-8 string.
        case readString
        /// Writer bytes or string read as bytes.
        case readBytes
        /// Writer fixed of `arg` bytes.
        case readFixed
        /// Writer enum (`arg2` symbols) mapped through `enumTables[arg + index]` to a reader index.
        case readEnum
        /// Writer union: index in `0..<arg2`, then branch op `branchOps[arg + index]` (which
        /// writes the slot).
        case readUnion
        /// A projected record/array/map: runs skip program `arg` and stores the writer-encoded
        /// bytes it covered.
        case capture
        /// The slot is null (writer `null` branch).
        case setNull
        /// The slot takes constant `arg` (a reader default).
        case loadConstant
        /// A writer union branch the reader cannot take: fails with message `arg`.
        case failBranch
    }

    var kind: Kind
    var slot: Int32
    var arg: Int32
    var arg2: Int32

    init(_ kind: Kind, slot: Int32 = -1, arg: Int32 = 0, arg2: Int32 = 0) {
        self.kind = kind
        self.slot = slot
        self.arg = arg
        self.arg2 = arg2
    }
}
