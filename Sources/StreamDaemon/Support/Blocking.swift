import NIOPosix

/// Runs blocking work (librdkafka calls, fsync, file and network IO) off the cooperative pool.
enum Blocking {
    /// Runs `body` on NIO's blocking thread pool and returns its result.
    static func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
