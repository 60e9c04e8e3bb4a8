import Foundation
import Logging
import ServiceLifecycle
import Testing
import UnixSignals

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

@Suite("Signals")
struct SignalServiceTests {
    @Test("SIGUSR1 reaches the close trigger and SIGHUP the reload")
    func signalsArrive() async throws {
        let (events, continuation) = AsyncStream.makeStream(of: String.self)
        let service = SignalService(
            onReload: { continuation.yield("reload") },
            onCloseReady: { continuation.yield("close") },
            logger: Logger(label: "test.signals"),
            onTrapped: { continuation.yield("trapped") }
        )
        let group = ServiceGroup(services: [service], logger: Logger(label: "test.signals"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = events.makeAsyncIterator()
            #expect(await iterator.next() == "trapped")
            kill(getpid(), SIGUSR1)
            #expect(await iterator.next() == "close")
            kill(getpid(), SIGHUP)
            #expect(await iterator.next() == "reload")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
