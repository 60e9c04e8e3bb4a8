/// A reader default compiled to a slot value; `bytes` are copied into the decoder's pool.
struct PlanConstant: Sendable {
    var tag: AvroValues.Tag
    var value: Int64
    var bytes: [UInt8]
}
