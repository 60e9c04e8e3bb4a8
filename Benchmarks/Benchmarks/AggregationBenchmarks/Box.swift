/// A mutable value shared by a benchmark's setup hook, body and teardown hook, which the
/// benchmark runner calls one after the other, never concurrently.
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}
