import ArgumentParser

/// `aura-billing validate-config`: Check the configuration and tariff catalogs; report every problem with file and line.
struct ValidateConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-config",
        abstract: "Check the configuration and tariff catalogs; report every problem with file and line."
    )

    func run() async throws {
        throw DaemonError(.notImplemented, "`aura-billing validate-config` is not implemented yet")
    }
}
