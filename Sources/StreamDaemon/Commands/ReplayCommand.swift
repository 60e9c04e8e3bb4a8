import ArgumentParser

/// `aura-billing replay`: Run Avro container files through the decode → aggregate → checkpoint pipeline.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run Avro container files through the decode → aggregate → checkpoint pipeline."
    )

    func run() async throws {
        throw DaemonError(.notImplemented, "`aura-billing replay` is not implemented yet")
    }
}
