import ArgumentParser
import Foundation
import StreamDaemon

/// `aura-billing quarantine summary|list|requeue`: reads the quarantine the daemon's
/// configuration names (every segment, deduplicated) and produces parked messages back to Kafka.
struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Summarize, list or requeue the messages the daemon quarantined.",
        discussion: """
            Reads quarantine.file of --config (default <state.dir>/quarantine.jsonl) and its rotated \
            segments (quarantine.jsonl.<n>), records deduplicated by topic/partition/offset; lines \
            that are not records are skipped and reported as file:line. docs/operations.md "The \
            quarantine".
            """,
        subcommands: [Summary.self, List.self, Requeue.self]
    )

    /// The options every subcommand takes: where the quarantine is and which records.
    struct Selection: ParsableArguments {
        @Option(help: "The daemon's configuration (quarantine.file, brokers for requeue).")
        var config: String?

        @Option(help: "The quarantine file itself (overrides --config; not for requeue).")
        var file: String?

        @Option(help: "Only this reason (repeatable), e.g. unknown-schema-id.")
        var reason: [String] = []

        @Option(help: "Only this topic.")
        var topic: String?

        @Option(help: "Only this partition.")
        var partition: Int32?

        @Option(help: "Only records quarantined at or after this ISO 8601 instant.")
        var since: String?

        @Option(help: "Only records quarantined before this ISO 8601 instant.")
        var until: String?

        func validate() throws {
            guard config != nil || file != nil else { throw ValidationError("give --config (or --file)") }
            for (name, value) in [("--since", since), ("--until", until)] {
                if let value, ReplayCommand.parseInstant(value) == nil {
                    throw ValidationError("\(name) must be an ISO 8601 instant such as 2026-11-01T00:00:00Z")
                }
            }
        }

        var filter: QuarantineFilter {
            func ms(_ text: String?) -> Int64? {
                text.flatMap(ReplayCommand.parseInstant).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
            }
            return QuarantineFilter(
                reasons: Set(reason), topic: topic, partition: partition, sinceMs: ms(since), untilMs: ms(until))
        }

        /// The configuration (when --config) and the quarantine's path.
        func resolve() async throws -> (DaemonConfiguration?, String) {
            var settings: DaemonConfiguration?
            if let config { settings = try await DaemonConfiguration.load(path: config) }
            guard let path = file ?? settings?.quarantinePath else { throw ValidationError("give --config") }
            return (settings, path)
        }
    }

    enum Format: String, ExpressibleByArgument, Sendable { case text, json }

    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Counts by reason, topic and partition (pending and requeued).")
        @OptionGroup var selection: Selection
        @Option(help: "text or json.") var format: Format = .text

        func run() async throws {
            let (_, path) = try await selection.resolve()
            let filter = selection.filter
            let summary = try await Blocking.run {
                QuarantineSummary(QuarantineReader(path: path).read(), filter: filter)
            }
            print(format == .json ? summary.json : summary.text, terminator: "")
            fflushStdout()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The records, oldest first.")
        @OptionGroup var selection: Selection
        @Option(help: "text or json.") var format: Format = .text
        @Flag(help: "Include the key and value (base64).") var withValue = false

        func run() async throws {
            let (_, path) = try await selection.resolve()
            let filter = selection.filter
            let contents = try await Blocking.run { QuarantineReader(path: path).read() }
            let records = contents.records.filter(filter.matches)
            if format == .json {
                print(QuarantineRecord.listingJSON(records, withValue: withValue), terminator: "")
            } else {
                for record in records { print(record.listingLine(withValue: withValue)) }
                for problem in contents.problems { print("skipped \(problem)") }
            }
            fflushStdout()
        }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Produce the selected records back to their topic and partition; mark them requeued.",
            discussion: """
                Each record's original key and value go back to the partition it came from, through the \
                brokers of --config; once acknowledged it is marked in <quarantine>.requeued. The running \
                daemon decodes, deduplicates and counts them like any message, so a record produced twice \
                is counted once. Records already marked are skipped unless --again. Records whose value \
                is missing or truncated are refused. Exits non-zero when a record was refused or failed.
                """)
        @OptionGroup var selection: Selection
        @Flag(help: "Requeue records already marked requeued too.") var again = false

        func run() async throws {
            let (settings, path) = try await selection.resolve()
            guard let settings else { throw ValidationError("requeue needs --config (for the brokers)") }
            var requeue = QuarantineRequeue(path: path)
            requeue.filter = selection.filter
            requeue.again = again
            let job = requeue
            let outcome = try await Blocking.run { try job.run(configuration: settings) }
            print(outcome.text, terminator: "")
            fflushStdout()
            if !outcome.refused.isEmpty || !outcome.failed.isEmpty { throw ExitCode.failure }
        }
    }
}
