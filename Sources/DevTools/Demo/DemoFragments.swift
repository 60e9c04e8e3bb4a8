import StreamDaemon

/// Avro encodings of the catalogue's values, computed once so that rows are assembled by
/// appending bytes. Optional fields are whole `["null", "string"]` union values (branch 1 and
/// the string); required strings are length + bytes.
struct DemoFragments {
    /// COUNTRY_3_ALPHA_CD per OB (string).
    let obs: [[UInt8]]
    /// AURA_APP_ID per app (union branch 1).
    let apps: [[UInt8]]
    /// AURA_CHANNEL_ID choices per app (union branch 1).
    let channels: [[[UInt8]]]
    /// AURA_PRESET_NAME choices per app, most used first (union branch 1).
    let presets: [[[UInt8]]]
    /// AURA_COMPONENT_ID per component (string: audit).
    let components: [[UInt8]]
    /// AURA_COMPONENT_ID per component (union branch 1: gateway).
    let optionalComponents: [[UInt8]]
    /// AURA_COMPONENT_HOST_ID choices per component (union branch 1).
    let hosts: [[[UInt8]]]
    /// AURA_VERSION_ID choices per component (union branch 1).
    let versions: [[[UInt8]]]
    /// AURA_SKILL_ID choices per component; empty for components that host no skill.
    let skills: [[[UInt8]]]
    /// AURA_RECOGNIZER_ID choices per OB (its language).
    let recognizers: [[[UInt8]]]
    /// Components whose rows name a recognizer (NLU and speech to text).
    let usesRecognizer: [Bool]

    init() {
        // The catalogue's host names and versions are fixed (seed 7), whatever the month's seed.
        var random = DemoRandom(seed: 7)
        let catalogue = DemoCatalogue.self
        obs = catalogue.operatingBusinesses.map { DemoAvroEncoding.string($0.code) }
        apps = catalogue.apps.map { DemoAvroEncoding.optionalString($0.id) }
        channels = catalogue.apps.map { $0.channels.map(DemoAvroEncoding.optionalString) }
        presets = catalogue.apps.map { $0.presets.map(DemoAvroEncoding.optionalString) }
        components = catalogue.components.map { DemoAvroEncoding.string($0.id) }
        optionalComponents = catalogue.components.map { DemoAvroEncoding.optionalString($0.id) }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        func token(_ n: Int) -> String {
            String((0..<n).map { _ in alphabet[random.below(alphabet.count)] })
        }
        var hosts: [[[UInt8]]] = []
        var versions: [[[UInt8]]] = []
        var skills: [[[UInt8]]] = []
        for component in catalogue.components {
            let replicaSet = token(9)
            hosts.append(
                (0..<(2 + random.below(7))).map { _ in
                    DemoAvroEncoding.optionalString("\(component.id)-\(replicaSet)-\(token(5))")
                })
            let major = 3 + random.below(5)
            versions.append(
                (0..<(1 + random.below(3))).map { _ in
                    DemoAvroEncoding.optionalString("\(major).\(random.below(13)).\(random.below(21))")
                })
            if component.type == "skill" || component.type == "dialog" {
                let base = component.id.hasPrefix("aura-") ? String(component.id.dropFirst(5)) : component.id
                skills.append(
                    ["main", "v2", "promo", "legacy"].prefix(1 + random.below(3)).map {
                        DemoAvroEncoding.optionalString("\(base).\($0)")
                    })
            } else {
                skills.append([])
            }
        }
        self.hosts = hosts
        self.versions = versions
        self.skills = skills
        let types = ["clu", "luis", "rasa", "regex", "llm"]
        recognizers = catalogue.operatingBusinesses.enumerated().map { index, ob in
            (0..<(1 + index % 3)).map { j in
                DemoAvroEncoding.optionalString(
                    "rec-\(types[(index + j) % types.count])-\(ob.language.lowercased())-\(j)")
            }
        }
        usesRecognizer = catalogue.components.map { $0.type == "nlu" || $0.type == "stt" }
    }
}
