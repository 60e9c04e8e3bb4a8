import ArgumentParser

/// `aura-billing run`: Run the billing daemon: consume, aggregate, checkpoint, close, deliver.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the billing daemon: consume, aggregate, checkpoint, close, deliver."
    )

    func run() async throws {
        throw DaemonError(.notImplemented, "`aura-billing run` is not implemented yet")
    }
}
