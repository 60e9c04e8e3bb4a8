import ArgumentParser
import DevTools
import StreamDaemon

/// The `aura-billing` executable: the daemon and its operator commands.
@main
struct AuraBilling: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aura-billing",
        abstract: "Usage-billing daemon for the Aura platform: Kafka → Avro → per-OB monthly invoices.",
        subcommands: [
            RunCommand.self,
            DemoCommand.self,
            SoakCommand.self,
            WritesBenchCommand.self,
            ReplayCommand.self,
            CloseCommand.self,
            RepriceCommand.self,
            ExplainCommand.self,
            PreviewCommand.self,
            VerifyCommand.self,
            ValidateConfigCommand.self,
            QuarantineCommand.self,
            BrokerCommand.self,
            ChangelogBenchCommand.self,
        ]
    )
}
