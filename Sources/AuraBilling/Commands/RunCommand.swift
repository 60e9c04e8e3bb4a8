import ArgumentParser
import StreamDaemon

/// `aura-billing run`: the always-on daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the billing daemon: consume, aggregate, checkpoint, close, deliver.",
        discussion: """
            Signals: SIGTERM/SIGINT stop (final checkpoint and commit, within 30 s); SIGHUP reloads \
            the tariff catalog, dimensions and new OBs' time zones; SIGUSR1 closes every period \
            that is ready. Every configuration key can be overridden by an environment variable \
            (kafka.group_id → KAFKA_GROUP_ID); see deploy/config.yaml.
            """
    )

    @Option(help: "The YAML configuration file.")
    var config: String

    func run() async throws {
        let settings = try await DaemonConfiguration.load(path: config)
        let daemon = try Daemon(configuration: settings)
        try await daemon.run()
    }
}
