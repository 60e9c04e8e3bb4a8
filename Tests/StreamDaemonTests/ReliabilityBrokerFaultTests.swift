import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 9, scenario 2: broker faults on a 3-broker embedded cluster while the daemon consumes.
@Suite("Reliability: broker faults", .serialized)
struct ReliabilityBrokerFaultTests {
    /// Kafka API keys and error codes used below.
    static let fetchAPI: Int16 = 1
    static let offsetCommitAPI: Int16 = 8
    static let notLeaderOrFollower: Int32 = 6
    static let requestTimedOut: Int32 = 7
    static let unknownTopicOrPartition: Int32 = 3
    static let coordinatorNotAvailable: Int32 = 15
    static let notCoordinator: Int32 = 16

    @Test(
        "a broker down and up, Fetch and OffsetCommit errors, every broker down: readiness reports it, totals stay exact"
    )
    func brokerFaults() throws {
        let month = try ReliabilityMonth.make(seed: 61)
        let count = month.messages.count
        let quarter = count / 4
        var outcome = ReliabilityOutcome("broker-faults")
        outcome.eventsIn = count
        let harness = try DaemonHarness(brokers: 3)
        let cluster = harness.cluster
        try cluster.setCoordinator(group: "aura-test", broker: 1)
        let feed = try ReliabilityFeed(harness: harness, messages: month.messages)
        let environment = DaemonHarness.reliabilityEnvironment()

        try feed.produce(upTo: quarter)
        try harness.start(environment: environment)
        outcome.runs += 1
        #expect(harness.waitCaughtUp(quarter), "first quarter not consumed:\n\(harness.log)")

        // 1. Broker 3, leader of some partitions but not the group coordinator (broker 1), goes
        //    down while the second quarter is produced: its partitions stall (the embedded
        //    cluster elects no new leader), the others keep flowing; then it comes back.
        try cluster.setBroker(3, up: false)
        outcome.faults += 1
        try feed.produce(upTo: 2 * quarter, flush: false)
        #expect(
            harness.wait(seconds: 60) { harness.progress > Double(quarter) },
            "nothing consumed with one broker down:\n\(harness.log)")
        try cluster.setBroker(3, up: true)
        try feed.flush()
        #expect(
            harness.waitCaughtUp(2 * quarter), "second quarter not consumed after the broker returned:\n\(harness.log)")

        // 1b. The group coordinator goes down long enough for the session to expire: the
        //     partitions are revoked (checkpointed), and taken back once it returns.
        try cluster.setBroker(1, up: false)
        outcome.faults += 1
        #expect(
            harness.wait(seconds: 30) { harness.log.contains("session timed out") }, "no session loss:\n\(harness.log)")
        try cluster.setBroker(1, up: true)
        #expect(harness.waitCaughtUp(2 * quarter), "not back after the coordinator returned:\n\(harness.log)")

        // 2. Fetch and OffsetCommit requests fail for a while during the third quarter.
        let fetchErrors = [
            Self.notLeaderOrFollower, Self.requestTimedOut, Self.unknownTopicOrPartition, Self.notLeaderOrFollower,
            Self.requestTimedOut,
        ]
        let commitErrors = [
            Self.coordinatorNotAvailable, Self.notCoordinator, Self.requestTimedOut, Self.coordinatorNotAvailable,
        ]
        cluster.pushRequestErrors(apiKey: Self.fetchAPI, errors: fetchErrors)
        cluster.pushRequestErrors(apiKey: Self.offsetCommitAPI, errors: commitErrors)
        outcome.faults += fetchErrors.count + commitErrors.count
        try feed.produce(upTo: 3 * quarter)
        #expect(harness.waitCaughtUp(3 * quarter), "third quarter not consumed through request errors:\n\(harness.log)")
        #expect((harness.metric("aura_offset_commit_failures_total") ?? 0) >= 1, "the failed commits are not counted")
        #expect(
            harness.wait(seconds: 30) { (try? harness.committedOffsetSum()) == Int64(3 * quarter) },
            "offsets not committed after the errors")

        // 3. Every broker down: /readyz says so while the daemon keeps running, and recovers by
        //    itself when they return.
        func outage() throws -> Bool {
            for id: Int32 in 1...3 { try cluster.setBroker(id, up: false) }
            outcome.faults += 1
            return harness.wait(seconds: 60) {
                guard let (status, body) = try? harness.http("/readyz") else { return false }
                return status == 503 && body.contains("broker unreachable")
            }
        }
        #expect(try outage(), "/readyz does not report the outage:\n\(harness.log)")
        #expect(harness.process?.isRunning == true)
        for id: Int32 in 1...3 { try cluster.setBroker(id, up: true) }
        #expect(
            harness.wait(seconds: 60) { (try? harness.http("/readyz").0) == 200 },
            "/readyz did not recover:\n\(harness.log)")

        // 4. A second outage: killed during it, restarted while the brokers are still down,
        //    then they return and the rest of the month streams in.
        #expect(try outage(), "/readyz does not report the second outage:\n\(harness.log)")
        #expect(harness.stop(signal: SIGKILL) == SIGKILL)
        outcome.faults += 1
        try harness.start(environment: environment)
        outcome.runs += 1
        #expect(harness.wait(seconds: 30) { (try? harness.http("/healthz").0) == 200 })
        #expect((try? harness.http("/readyz").0) == 503, "ready without any broker")
        for id: Int32 in 1...3 { try cluster.setBroker(id, up: true) }
        try feed.produce(upTo: count)
        #expect(harness.waitCaughtUp(count), "not caught up after the outage:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0)

        let merged = try harness.mergedCheckpoints(zones: month.zones)
        let problems = month.mismatches(merged)
        #expect(problems.isEmpty, "\(problems.prefix(20))")
        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.record()
    }
}
