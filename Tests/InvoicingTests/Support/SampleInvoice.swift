import Foundation
import Invoicing

/// A realistic input for ESP 2026-10 with names, unknown ids, escaping-worthy text and a late adjustment.
enum SampleInvoice {
    static let closedAt = Date(timeIntervalSince1970: 1_793_491_200)  // 2026-11-01T00:00:00Z

    static func input(extraQueries: Int64 = 0, ob: String = "ESP") -> InvoiceInput {
        InvoiceInput(
            ob: ob, period: "2026-10",
            usage: [
                .init(component: "nlu", app: "app-a", service: "svc-1", queries: 300 + extraQueries),
                .init(component: "nlu", app: "app-b", service: "svc <&> \"2\"", queries: 700),
                .init(component: "asr", app: "app-a", service: "svc-1", queries: 1200),
                .init(component: "mystery", app: nil, service: "  padded  ", queries: 5),
            ],
            requests: [
                .init(app: "app-a", messages: 5000, nlpMessages: 2000),
                .init(app: nil, messages: 100, nlpMessages: 0),
            ],
            lateAdjustments: [
                .init(originalPeriod: "2026-05", component: "asr", originalQueries: 900, lateQueries: 200)
            ],
            inputs: InvoiceInputs(offsets: [
                .init(topic: "aura.audit", partition: 1, firstOffset: 10, lastOffset: 99),
                .init(topic: "aura.audit", partition: 0, firstOffset: 0, lastOffset: 41),
            ]),
            counts: .init(records: 2305, duplicates: 3, late: 200, quarantined: 1),
            names: .init(
                components: ["nlu": "Natural language", "asr": "Speech recognition"],
                apps: ["app-a": "Assistant Á"], countries: ["ESP": "Spain"]),
            forced: false)
    }
}
