import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

@Suite("Demo assets")
struct DemoAssetsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(
        "the demo's embedded catalog and writer schemas are the files under deploy/",
        arguments: [
            ("deploy/tariffs.yaml", DemoAssets.tariffsYAML),
            ("deploy/schemas/Aura_Audit.avsc", DemoAssets.auditSchema),
            ("deploy/schemas/Aura_Gateway_Message.avsc", DemoAssets.gatewaySchema),
        ])
    func embeddedCopiesMatch(path: String, embedded: String) throws {
        let file = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
        #expect(file == embedded, "regenerate Sources/StreamDaemon/Demo/DemoAssets.swift from \(path)")
    }
}
