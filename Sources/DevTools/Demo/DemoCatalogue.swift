import StreamDaemon

/// The fixed catalogue of the demo month: operating businesses, apps, channels, presets and
/// components, with the ids of the shared test data generator (`scripts/datagen/aura_datagen.py`,
/// `dims`), so the demo's events and dimension tables name the same things.
struct DemoCatalogue: Sendable {
    /// An operating business: a country with its IANA time zone and share of the traffic.
    struct OperatingBusiness: Sendable {
        var code: String
        var code2: String
        var name: String
        var currency: String
        var timeZone: String
        var brands: [String]
        var language: String
        /// Relative traffic volume (the weights sum to about 1).
        var weight: Double
        var appCount: Int
    }

    /// A platform component and the service family its queries are usually billed under.
    struct Component: Sendable {
        var id: String
        var name: String
        var type: String
        /// Index into `DemoCatalogue.services`.
        var service: Int
    }

    /// An app of one OB.
    struct App: Sendable {
        var id: String
        var name: String
        var ob: Int
        var type: String
        var channels: [String]
        var presets: [String]
    }

    /// `AuraServiceName` enum symbols, in schema order (the index is the Avro enum index).
    static let services = ["message", "nlpaas", "ai", "other"]

    static let operatingBusinesses: [OperatingBusiness] = [
        OperatingBusiness(
            code: "ESP", code2: "ES", name: "Spain", currency: "EUR", timeZone: "Europe/Madrid",
            brands: ["Movistar", "O2"], language: "es-ES", weight: 0.27, appCount: 7),
        OperatingBusiness(
            code: "BRA", code2: "BR", name: "Brazil", currency: "BRL", timeZone: "America/Sao_Paulo", brands: ["Vivo"],
            language: "pt-BR", weight: 0.25, appCount: 6),
        OperatingBusiness(
            code: "DEU", code2: "DE", name: "Germany", currency: "EUR", timeZone: "Europe/Berlin",
            brands: ["O2", "Blau"], language: "de-DE", weight: 0.08, appCount: 4),
        OperatingBusiness(
            code: "GBR", code2: "GB", name: "United Kingdom", currency: "GBP", timeZone: "Europe/London",
            brands: ["O2"], language: "en-GB", weight: 0.09, appCount: 4),
        OperatingBusiness(
            code: "ARG", code2: "AR", name: "Argentina", currency: "ARS", timeZone: "America/Argentina/Buenos_Aires",
            brands: ["Movistar"], language: "es-AR", weight: 0.06, appCount: 3),
        OperatingBusiness(
            code: "CHL", code2: "CL", name: "Chile", currency: "CLP", timeZone: "America/Santiago",
            brands: ["Movistar"], language: "es-CL", weight: 0.045, appCount: 2),
        OperatingBusiness(
            code: "COL", code2: "CO", name: "Colombia", currency: "COP", timeZone: "America/Bogota",
            brands: ["Movistar"], language: "es-CO", weight: 0.045, appCount: 3),
        OperatingBusiness(
            code: "PER", code2: "PE", name: "Peru", currency: "PEN", timeZone: "America/Lima", brands: ["Movistar"],
            language: "es-PE", weight: 0.04, appCount: 3),
        OperatingBusiness(
            code: "MEX", code2: "MX", name: "Mexico", currency: "MXN", timeZone: "America/Mexico_City",
            brands: ["Movistar"], language: "es-MX", weight: 0.05, appCount: 3),
        OperatingBusiness(
            code: "VEN", code2: "VE", name: "Venezuela", currency: "VES", timeZone: "America/Caracas",
            brands: ["Movistar"], language: "es-VE", weight: 0.02, appCount: 2),
        OperatingBusiness(
            code: "ECU", code2: "EC", name: "Ecuador", currency: "USD", timeZone: "America/Guayaquil",
            brands: ["Movistar"], language: "es-EC", weight: 0.02, appCount: 2),
        OperatingBusiness(
            code: "URY", code2: "UY", name: "Uruguay", currency: "UYU", timeZone: "America/Montevideo",
            brands: ["Movistar"], language: "es-UY", weight: 0.015, appCount: 2),
    ]

    /// (kind, display name, app type) of the apps an OB has, in order.
    static let appKinds: [(kind: String, name: String, type: String)] = [
        ("app", "App", "consumer"),
        ("whatsapp", "WhatsApp", "consumer"),
        ("tv", "TV", "consumer"),
        ("web", "Web", "consumer"),
        ("empresas", "Empresas", "business"),
        ("ivr", "Voice", "consumer"),
        ("living-apps", "Living Apps", "partner"),
        ("care", "Care Agent Assist", "internal"),
    ]

    /// Contact channels of each app kind.
    static let kindChannels: [String: [String]] = [
        "app": ["mobile-app", "webchat"],
        "whatsapp": ["whatsapp"],
        "tv": ["stb", "smart-speaker"],
        "web": ["webchat"],
        "empresas": ["webchat", "whatsapp", "mobile-app"],
        "ivr": ["ivr"],
        "living-apps": ["stb", "mobile-app", "telegram"],
        "care": ["webchat", "rcs", "apple-msg"],
    ]

    static let components: [Component] = [
        Component(id: "aura-gateway", name: "Aura Gateway", type: "gateway", service: 0),
        Component(id: "aura-bot-connector-whatsapp", name: "Bot connector WhatsApp", type: "gateway", service: 0),
        Component(id: "aura-bot-connector-webchat", name: "Bot connector web chat", type: "gateway", service: 0),
        Component(id: "aura-bot-connector-stb", name: "Bot connector set-top box", type: "gateway", service: 0),
        Component(id: "aura-bot-connector-ivr", name: "Bot connector IVR", type: "gateway", service: 0),
        Component(id: "aura-bot-connector-rcs", name: "Bot connector RCS", type: "gateway", service: 0),
        Component(id: "aura-notifications", name: "Proactive notifications", type: "gateway", service: 0),
        Component(id: "aura-dialog-manager", name: "Dialog manager", type: "dialog", service: 0),
        Component(id: "aura-dialog-flows", name: "Dialog flows engine", type: "dialog", service: 0),
        Component(id: "aura-session-store", name: "Session store", type: "integration", service: 3),
        Component(id: "aura-nlp-orchestrator", name: "NLP orchestrator", type: "nlu", service: 1),
        Component(id: "aura-nlp-clu-es", name: "CLU recognizer es", type: "nlu", service: 1),
        Component(id: "aura-nlp-clu-pt", name: "CLU recognizer pt", type: "nlu", service: 1),
        Component(id: "aura-nlp-clu-en", name: "CLU recognizer en", type: "nlu", service: 1),
        Component(id: "aura-nlp-clu-de", name: "CLU recognizer de", type: "nlu", service: 1),
        Component(id: "aura-nlp-luis-legacy", name: "LUIS recognizer (legacy)", type: "nlu", service: 1),
        Component(id: "aura-nlp-rasa", name: "Rasa recognizer", type: "nlu", service: 1),
        Component(id: "aura-nlp-regex", name: "Regex recognizer", type: "nlu", service: 1),
        Component(id: "aura-nlp-entities", name: "Entity extractor", type: "nlu", service: 1),
        Component(id: "aura-nlp-sentiment", name: "Sentiment analysis", type: "nlu", service: 1),
        Component(id: "aura-nlp-language-id", name: "Language identification", type: "nlu", service: 1),
        Component(id: "aura-nlp-spellcheck", name: "Spell checker", type: "nlu", service: 1),
        Component(id: "aura-stt", name: "Speech to text", type: "stt", service: 1),
        Component(id: "aura-tts", name: "Text to speech", type: "tts", service: 1),
        Component(id: "aura-ai-llm-router", name: "LLM router", type: "llm", service: 2),
        Component(id: "aura-ai-llm-gpt4o", name: "LLM GPT-4o", type: "llm", service: 2),
        Component(id: "aura-ai-llm-gpt4o-mini", name: "LLM GPT-4o mini", type: "llm", service: 2),
        Component(id: "aura-ai-llm-gemini", name: "LLM Gemini", type: "llm", service: 2),
        Component(id: "aura-ai-llm-llama", name: "LLM Llama (self-hosted)", type: "llm", service: 2),
        Component(id: "aura-ai-rag-search", name: "RAG search", type: "search", service: 2),
        Component(id: "aura-ai-embeddings", name: "Embeddings", type: "llm", service: 2),
        Component(id: "aura-ai-summarizer", name: "Conversation summarizer", type: "llm", service: 2),
        Component(id: "aura-ai-guardrails", name: "Guardrails", type: "llm", service: 2),
        Component(id: "aura-ai-agent-runtime", name: "Agent runtime", type: "llm", service: 2),
        Component(id: "aura-ai-vision", name: "Image understanding", type: "llm", service: 2),
        Component(id: "aura-skill-billing", name: "Skill: bills and payments", type: "skill", service: 3),
        Component(id: "aura-skill-tv-guide", name: "Skill: TV guide", type: "skill", service: 3),
        Component(id: "aura-skill-tv-control", name: "Skill: TV control", type: "skill", service: 3),
        Component(id: "aura-skill-wifi", name: "Skill: home Wi-Fi", type: "skill", service: 3),
        Component(id: "aura-skill-tech-support", name: "Skill: technical support", type: "skill", service: 3),
        Component(id: "aura-skill-consumption", name: "Skill: data consumption", type: "skill", service: 3),
        Component(id: "aura-skill-offers", name: "Skill: offers and upgrades", type: "skill", service: 3),
        Component(id: "aura-skill-roaming", name: "Skill: roaming", type: "skill", service: 3),
        Component(id: "aura-skill-appointments", name: "Skill: appointments", type: "skill", service: 3),
        Component(id: "aura-skill-faq", name: "Skill: FAQ", type: "skill", service: 3),
        Component(id: "aura-skill-chitchat", name: "Skill: chit-chat", type: "skill", service: 3),
        Component(id: "aura-skill-handover", name: "Skill: human handover", type: "skill", service: 3),
        Component(id: "aura-skill-orders", name: "Skill: order tracking", type: "skill", service: 3),
        Component(id: "aura-skill-security", name: "Skill: digital security", type: "skill", service: 3),
        Component(id: "aura-int-crm", name: "Integration: CRM", type: "integration", service: 3),
        Component(id: "aura-int-billing-api", name: "Integration: billing API", type: "integration", service: 3),
        Component(id: "aura-int-network-api", name: "Integration: network API", type: "integration", service: 3),
        Component(id: "aura-int-tv-platform", name: "Integration: TV platform", type: "integration", service: 3),
        Component(id: "aura-int-ticketing", name: "Integration: ticketing", type: "integration", service: 3),
        Component(id: "aura-int-identity", name: "Integration: identity", type: "integration", service: 3),
        Component(id: "aura-int-kernel", name: "Integration: Kernel 4P", type: "integration", service: 3),
        Component(id: "aura-int-payments", name: "Integration: payments", type: "integration", service: 3),
        Component(id: "aura-analytics-tracker", name: "Analytics tracker", type: "integration", service: 3),
        Component(id: "aura-feedback", name: "Feedback collector", type: "integration", service: 0),
        Component(id: "aura-healthcheck", name: "Health check (not billed)", type: "integration", service: 3),
    ]

    static let presetSuffixes = ["default", "night", "promo", "beta"]

    /// Every app, OB by OB: `<ob>-<brand>-<kind>` as the shared generator names them.
    static let apps: [App] = {
        var apps: [App] = []
        for (obIndex, ob) in operatingBusinesses.enumerated() {
            for k in 0..<ob.appCount {
                let kind = appKinds[k]
                let brand = ob.brands[k % ob.brands.count]
                let id = "\(ob.code.lowercased())-\(brand.lowercased())-\(kind.kind)"
                let channels = (kindChannels[kind.kind] ?? []).map { "ch-\(id)-\($0)" }
                // 1 to 4 presets, a fixed function of the position (the shared generator draws them).
                let presets = presetSuffixes.prefix(1 + (k + obIndex) % 4).map { "\(id)-\($0)" }
                apps.append(
                    App(
                        id: id, name: "\(brand) \(kind.name) \(ob.code)", ob: obIndex,
                        type: kind.type, channels: channels, presets: presets))
            }
        }
        return apps
    }()
}
