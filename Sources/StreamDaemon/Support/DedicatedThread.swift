import Foundation

/// Runs a long blocking loop (the librdkafka poll loop) on its own thread, off the cooperative
/// pool, and lets async code await its end.
enum DedicatedThread {
    /// Starts `body` on a new thread named `name` and returns when it finishes, rethrowing its error.
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
