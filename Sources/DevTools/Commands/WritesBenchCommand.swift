package import ArgumentParser
import Foundation
import Logging
import StreamDaemon

/// `aura-billing bench-writes`: bytes the real daemon writes per absorbed event with a large state.
package struct WritesBenchCommand: AsyncParsableCommand {
    /// Argument parsing creates the command, then fills in its options.
    package init() {}

    package static let configuration = CommandConfiguration(
        commandName: "bench-writes",
        abstract: "Measure the bytes the real daemon writes per event at steady state with a large state.",
        discussion: """
            Starts the embedded Kafka-protocol cluster in-process and the real daemon (`aura-billing \
            run`, a separate process, checkpoints every --checkpoint-seconds, no close). Publishes \
            --keys audit events (and a quarter as many gateway messages) of one month in waves, waits \
            until they are consumed and checkpointed, then publishes --trickle new events at --rate a \
            second and waits until they are checkpointed too. Prints one JSON line: dedup keys in \
            state, the daemon's /proc/<pid>/io write_bytes over the trickle per trickled event, the \
            events' own Avro bytes per event and their ratio (issue 17's goal: at most 5, whatever \
            the state size), state bytes, RSS and the p99 bucket of the trickle's checkpoints.
            """
    )

    @Option(help: "Audit events loaded before the trickle (dedup keys in state ≈ 1.25 × this).")
    var keys: Int = 1_000_000

    @Option(help: "Events published at steady state.")
    var trickle: Int = 3_000

    @Option(help: "Events per second of the trickle.")
    var rate: Double = 100

    @Option(help: "checkpoint.interval_seconds of the daemon.")
    var checkpointSeconds: Int = 10

    @Option(help: "Output directory (config, state, daemon.log); must not hold a state.")
    var out: String = "./aura-bench-writes"

    @Option(help: "The aura-billing executable that runs the daemon (default: this one).")
    var daemon: String?

    package func run() async throws {
        guard keys > 0, trickle > 0, rate > 0, checkpointSeconds > 0 else {
            throw ValidationError("--keys, --trickle, --rate and --checkpoint-seconds must be positive")
        }
        let out = URL(fileURLWithPath: out).standardizedFileURL.path
        if FileManager.default.fileExists(atPath: out + "/state") {
            throw ValidationError("\(out) holds a previous run; remove it or choose another --out")
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let executable = try daemon ?? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let settings = WritesBench.Settings(
            keys: keys, trickle: trickle, rate: rate, checkpointSeconds: checkpointSeconds, out: out,
            executable: executable)
        var logger = Logger(label: "aura-billing.bench-writes")
        logger.logLevel = .warning
        let bench = WritesBench(settings: settings, logger: logger)
        DemoCommand.say("bench-writes: \(keys) audit events, then \(trickle) at \(rate)/s, in \(out)")
        let r = try await Blocking.run { try bench.run() }
        let perEvent = Double(r.writtenBytes) / Double(max(1, r.trickleEvents))
        let avro = Double(r.avroBytes) / Double(max(1, r.trickleEvents))
        print(
            #"{"dedup_keys":\#(r.dedupKeys),"load_seconds":\#(r.loadSeconds),"trickle_events":\#(r.trickleEvents),"trickle_seconds":\#(r.trickleSeconds),"written_bytes":\#(r.writtenBytes),"written_per_event":\#(perEvent),"avro_bytes_per_event":\#(avro),"ratio":\#(perEvent / avro),"state_bytes":\#(r.stateBytes),"rss_bytes":\#(r.residentBytes),"checkpoint_p99_bound_seconds":\#(r.checkpointP99.map { $0.isFinite ? "\($0)" : "null" } ?? "null")}"#
        )
    }
}
