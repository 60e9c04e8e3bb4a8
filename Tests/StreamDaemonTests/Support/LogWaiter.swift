import Dispatch
import Logging
import Synchronization

/// A logger whose messages a test can wait for: `wait` returns once a message containing
/// `needle` has been logged (from any thread), or false after the timeout.
final class LogWaiter: Sendable {
    private let needle: String
    private let semaphore = DispatchSemaphore(value: 0)
    private let recorded = Mutex<[String]>([])

    init(waitingFor needle: String) {
        self.needle = needle
    }

    /// A logger feeding this waiter (info level and above).
    var logger: Logger {
        Logger(label: "test.logwaiter") { _ in Handler(waiter: self) }
    }

    /// Every message logged so far.
    var messages: [String] {
        recorded.withLock { $0 }
    }

    /// Blocks until a matching message was logged; false after `seconds`.
    func wait(seconds: Int) -> Bool {
        semaphore.wait(timeout: .now() + .seconds(seconds)) == .success
    }

    fileprivate func record(_ text: String) {
        recorded.withLock { $0.append(text) }
        if text.contains(needle) { semaphore.signal() }
    }

    private struct Handler: LogHandler {
        let waiter: LogWaiter
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            waiter.record(event.message.description)
        }
    }
}
