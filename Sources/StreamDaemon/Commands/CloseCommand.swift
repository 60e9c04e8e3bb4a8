import ArgumentParser

/// `aura-billing close`: Ask a running daemon to close a period (through its admin endpoint).
struct CloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Ask a running daemon to close a period (through its admin endpoint)."
    )

    func run() async throws {
        throw DaemonError(.notImplemented, "`aura-billing close` is not implemented yet")
    }
}
