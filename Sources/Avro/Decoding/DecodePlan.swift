/// The output of plan compilation: flat instruction tables that ``AvroRecordDecoder`` copies
/// into its own immutable storage.
struct DecodePlan: Sendable {
    /// Every program's instructions, back to back.
    var ops: [DecodeOp] = []
    /// Program `i` is `ops[programs[i].start ..< programs[i].start + programs[i].count]`.
    var programs: [ProgramRange] = []
    /// One instruction per union branch, contiguous per union.
    var branchOps: [DecodeOp] = []
    /// Writer enum index → reader enum index (-1: writer symbol unknown to the reader).
    var enumTables: [Int32] = []
    /// Messages of `failBranch` and enum remapping errors.
    var messages: [String] = []
    /// Constant slot values (reader defaults): bytes go into the constant pool.
    var constants: [PlanConstant] = []
    /// Enum table start → index in `messages` of "field F: writer enum NAME|sym,sym,...".
    var enumMessageIndex: [Int32: Int32] = [:]
    /// The fewest bytes one writer record can occupy (0 when records may be empty).
    var minimumRecordSize = 0
    /// The program run for each top-level record.
    var topProgram: Int32 = 0

    struct ProgramRange: Sendable {
        var start: Int32
        var count: Int32
    }
}
