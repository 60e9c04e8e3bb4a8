import NIOPosix

/// Runs blocking work (librdkafka calls, fsync, file and network IO) off the cooperative pool.
package enum Blocking {
    /// Runs `body` on NIO's blocking thread pool and returns its result.
    package static func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
