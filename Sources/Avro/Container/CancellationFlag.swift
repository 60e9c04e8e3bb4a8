import Synchronization

/// A one-way flag telling the read-ahead thread to stop.
final class CancellationFlag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
