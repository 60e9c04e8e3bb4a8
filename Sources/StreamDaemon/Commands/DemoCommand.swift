import ArgumentParser

/// `aura-billing demo`: Run a whole synthetic month end to end on this machine and print the invoices.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a whole synthetic month end to end on this machine and print the invoices."
    )

    func run() async throws {
        throw DaemonError(.notImplemented, "`aura-billing demo` is not implemented yet")
    }
}
