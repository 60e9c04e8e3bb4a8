import Foundation
import Yams

/// Parses one catalog YAML text into a ``TariffCatalog``, collecting every problem with its line.
///
/// Prices must be quoted strings (a YAML float is refused with its line); amounts (`monthly_fee`,
/// `minimum`) may not have more decimals than the currency's minor unit.
struct TariffCatalogParser {
    let file: String
    private(set) var problems: [CatalogProblem] = []

    init(file: String) { self.file = file }

    private mutating func problem(_ node: Node?, _ message: String) {
        problems.append(CatalogProblem(file: file, line: node?.mark?.line ?? 0, message: message))
    }

    /// Parses `yaml`; returns the catalog when there were no problems.
    mutating func parse(yaml: String, sha256: String) -> TariffCatalog? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            problems.append(CatalogProblem(file: file, line: Self.line(of: error), message: Self.message(of: error)))
            return nil
        } catch {
            problems.append(CatalogProblem(file: file, line: 0, message: "YAML syntax: \(error)"))
            return nil
        }
        guard let root, let mapping = root.mapping else {
            problem(root, "expected a mapping with catalog_version, effective_from, price_lists, obs, default_ob")
            return nil
        }
        let keys: Set = [
            "catalog_version", "effective_from", "price_lists", "obs", "default_ob", "issuer", "payment_terms_days",
            "invoice_prefix",
        ]
        checkKeys(mapping, allowed: keys, context: "catalog")

        let version = requiredString(root, "catalog_version", context: "catalog")
        var effective = requiredString(root, "effective_from", context: "catalog")
        if let value = effective, !Self.isPeriod(value) {
            problem(root["effective_from"], "effective_from '\(value)' must be a month YYYY-MM")
            effective = nil
        }

        var priceLists: [String: PriceList] = [:]
        if let listsNode = root["price_lists"] {
            if let lists = listsNode.mapping {
                if lists.isEmpty { problem(listsNode, "price_lists is empty; expected at least one named price list") }
                for (key, value) in lists {
                    guard let name = key.scalar?.string else {
                        problem(key, "price list name must be a string")
                        continue
                    }
                    if let list = parsePriceList(name: name, value) { priceLists[name] = list }
                }
            } else {
                problem(listsNode, "price_lists must be a mapping of name → price list")
            }
        } else {
            problem(root, "missing price_lists (mapping of name → price list)")
        }
        let declaredLists = Set((root["price_lists"]?.mapping?.compactMap { $0.key.scalar?.string }) ?? [])

        var obs: [String: OBTariff] = [:]
        if let obsNode = root["obs"] {
            if let entries = obsNode.mapping {
                for (key, value) in entries {
                    let code = key.scalar?.string ?? "?"
                    let valid = Self.isOBCode(code)
                    if !valid {
                        problem(
                            key, "unknown OB code '\(code)': expected 3 uppercase letters (ISO 3166 alpha-3, e.g. ESP)")
                    }
                    // Parsed even when the code is invalid, so its own problems are reported too.
                    if let tariff = parseOB(value, context: "OB \(code)", lists: priceLists, declared: declaredLists),
                        valid
                    {
                        obs[code] = tariff
                    }
                }
            } else {
                problem(obsNode, "obs must be a mapping of OB code → tariff")
            }
        }
        var defaultOB: OBTariff?
        if let node = root["default_ob"] {
            defaultOB = parseOB(node, context: "default_ob", lists: priceLists, declared: declaredLists)
        } else {
            problem(root, "missing default_ob (the tariff of OBs not listed under obs)")
        }

        let issuer = root["issuer"].flatMap { parseParty($0, context: "issuer") }
        let terms = root["payment_terms_days"].flatMap { paymentTerms($0) }
        let prefix = root["invoice_prefix"].flatMap { invoicePrefix($0) }

        guard problems.isEmpty, let version, let effective, let defaultOB else { return nil }
        return TariffCatalog(
            version: version, effectiveFrom: effective, priceLists: priceLists, obs: obs,
            defaultOB: defaultOB, issuer: issuer, paymentTermsDays: terms, invoicePrefix: prefix, file: file,
            sha256: sha256)
    }

    // MARK: Sections

    private mutating func parsePriceList(name: String, _ node: Node) -> PriceList? {
        let context = "price list '\(name)'"
        guard let mapping = node.mapping else {
            problem(node, "\(context) must be a mapping with currency, default_unit_price, ...")
            return nil
        }
        checkKeys(
            mapping,
            allowed: ["currency", "default_unit_price", "request_price", "monthly_fee", "minimum", "components"],
            context: context)
        var currency: Currency?
        if let code = requiredString(node, "currency", context: context) {
            currency = Currency(code: code)
            if currency == nil {
                problem(
                    node["currency"],
                    "\(context): unknown currency '\(code)': expected an ISO 4217 code such as EUR, BRL, JPY")
            }
        }
        let defaultPrice = price(node, "default_unit_price", context: context, required: true)
        let requestPrice = price(node, "request_price", context: context, required: false) ?? .zero
        let fee = amount(node, "monthly_fee", context: context, currency: currency) ?? .zero
        let minimum = amount(node, "minimum", context: context, currency: currency) ?? .zero

        var components: [String: ComponentPrice] = [:]
        if let componentsNode = node["components"] {
            if let entries = componentsNode.mapping {
                for (key, value) in entries {
                    guard let id = key.scalar?.string, !id.isEmpty else {
                        problem(key, "component id must be a string")
                        continue
                    }
                    if let price = parseComponent(value, context: "\(context), component '\(id)'") {
                        components[id] = price
                    }
                }
            } else {
                problem(componentsNode, "\(context): components must be a mapping of component id → price")
            }
        }
        guard let currency, let defaultPrice else { return nil }
        return PriceList(
            name: name, currency: currency, defaultUnitPrice: defaultPrice, requestPrice: requestPrice,
            monthlyFee: fee, minimum: minimum, components: components)
    }

    private mutating func parseComponent(_ node: Node, context: String) -> ComponentPrice? {
        if node.scalar != nil {
            return decimal(node, context: context, what: "unit price", maxDecimals: Money.scale).map(
                ComponentPrice.unit)
        }
        guard let mapping = node.mapping else {
            problem(node, "\(context): expected a quoted unit price or {tiers: graduated|volume, bands: [...]}")
            return nil
        }
        checkKeys(mapping, allowed: ["tiers", "bands"], context: context)
        var mode: TierMode?
        if let text = requiredString(node, "tiers", context: context) {
            mode = TierMode(rawValue: text)
            if mode == nil { problem(node["tiers"], "\(context): tiers '\(text)' must be graduated or volume") }
        }
        guard let bandsNode = node["bands"] else {
            problem(node, "\(context): missing bands (a list of {up_to, unit_price}, the last without up_to)")
            return nil
        }
        guard let bandNodes = bandsNode.sequence, !bandNodes.isEmpty else {
            problem(bandsNode, "\(context): bands must be a non-empty list of {up_to, unit_price}")
            return nil
        }
        var bands: [TierBand] = []
        var previous: Int64 = 0
        var ok = true
        for (index, band) in bandNodes.enumerated() {
            let bandContext = "\(context), band \(index + 1)"
            guard let bandMapping = band.mapping else {
                problem(band, "\(bandContext): expected {up_to: N, unit_price: \"0.001\"}")
                ok = false
                continue
            }
            checkKeys(bandMapping, allowed: ["up_to", "unit_price"], context: bandContext)
            let isLast = index == bandNodes.count - 1
            var upTo: Int64?
            if let upNode = band["up_to"] {
                if let scalar = upNode.scalar, scalar.style == .plain, let value = Int64(scalar.string), value > 0 {
                    upTo = value
                    if value <= previous {
                        problem(
                            upNode,
                            "\(bandContext): up_to \(value) must be greater than the previous band's up_to \(previous) (bands sorted, not overlapping)"
                        )
                        ok = false
                    }
                    previous = max(previous, value)
                } else {
                    problem(upNode, "\(bandContext): up_to must be a positive integer query count")
                    ok = false
                }
                if isLast {
                    problem(upNode, "\(bandContext): the last band must be open (no up_to)")
                    ok = false
                }
            } else if !isLast {
                problem(band, "\(bandContext): only the last band may be open (no up_to); this band needs up_to")
                ok = false
            }
            guard let priceNode = band["unit_price"] else {
                problem(band, "\(bandContext): missing unit_price")
                ok = false
                continue
            }
            if let price = decimal(priceNode, context: bandContext, what: "unit_price", maxDecimals: Money.scale) {
                bands.append(TierBand(upTo: upTo, unitPrice: price))
            } else {
                ok = false
            }
        }
        guard ok, let mode else { return nil }
        return .tiered(mode, bands)
    }

    private mutating func parseOB(_ node: Node, context: String, lists: [String: PriceList], declared: Set<String>)
        -> OBTariff?
    {
        guard let mapping = node.mapping else {
            problem(node, "\(context): expected {price_list: NAME, time_zone?, model?, minimum?, monthly_fee?}")
            return nil
        }
        checkKeys(
            mapping, allowed: ["price_list", "time_zone", "model", "minimum", "monthly_fee", "bill_to"],
            context: context)
        guard let listName = requiredString(node, "price_list", context: context) else { return nil }
        if !declared.contains(listName) {
            let known = declared.sorted().joined(separator: ", ")
            problem(node["price_list"], "\(context): unknown price list '\(listName)'; defined: \(known)")
        }
        let currency = lists[listName]?.currency
        let timeZone = optionalString(node, "time_zone", context: context)
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            problem(
                node["time_zone"], "\(context): time_zone '\(timeZone)' is not a known IANA zone such as Europe/Madrid")
        }
        return OBTariff(
            priceList: listName, timeZone: timeZone,
            model: optionalString(node, "model", context: context),
            minimum: amount(node, "minimum", context: context, currency: currency),
            monthlyFee: amount(node, "monthly_fee", context: context, currency: currency),
            billTo: node["bill_to"].flatMap { parseParty($0, context: "\(context) bill_to") })
    }

    /// `{legal_name, tax_id?, address: [line, ...]}` (`issuer`, `bill_to`).
    private mutating func parseParty(_ node: Node, context: String) -> InvoiceParty? {
        guard let mapping = node.mapping else {
            problem(node, "\(context): expected {legal_name: \"...\", tax_id: \"...\", address: [\"line\", ...]}")
            return nil
        }
        checkKeys(mapping, allowed: ["legal_name", "tax_id", "address"], context: context)
        let name = requiredString(node, "legal_name", context: context)
        let taxID = optionalString(node, "tax_id", context: context)
        var lines: [String] = []
        if let addressNode = node["address"] {
            if let sequence = addressNode.sequence {
                for line in sequence {
                    if let text = line.scalar?.string, !text.isEmpty {
                        lines.append(text)
                    } else {
                        problem(line, "\(context): each address line must be a non-empty string")
                    }
                }
            } else {
                problem(
                    addressNode, "\(context): address must be a list of lines, e.g. [\"Calle Mayor 1\", \"Madrid\"]")
            }
        }
        guard let name else { return nil }
        return InvoiceParty(legalName: name, taxID: taxID, addressLines: lines)
    }

    /// `payment_terms_days`: a whole number of days, 0...365.
    private mutating func paymentTerms(_ node: Node) -> Int? {
        guard let scalar = node.scalar, scalar.style == .plain, let days = Int(scalar.string), (0...365).contains(days)
        else {
            problem(node, "payment_terms_days must be a whole number of days from 0 to 365 (e.g. 30)")
            return nil
        }
        return days
    }

    /// `invoice_prefix`: 1 to 12 capital letters, digits or `-`, starting with a letter.
    private mutating func invoicePrefix(_ node: Node) -> String? {
        guard let text = node.scalar?.string, Self.isInvoicePrefix(text) else {
            problem(
                node,
                "invoice_prefix must be 1 to 12 capital letters, digits or '-', starting with a letter (e.g. AURA)")
            return nil
        }
        return text
    }

    // MARK: Scalars

    private mutating func checkKeys(_ mapping: Node.Mapping, allowed: Set<String>, context: String) {
        for (key, _) in mapping {
            let name = key.scalar?.string ?? "?"
            if !allowed.contains(name) {
                problem(
                    key,
                    "\(context): unknown key '\(name)'; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    private mutating func requiredString(_ parent: Node, _ key: String, context: String) -> String? {
        guard let node = parent[key] else {
            problem(parent, "\(context): missing \(key)")
            return nil
        }
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            problem(node, "\(context): \(key) must be a non-empty string")
            return nil
        }
        return scalar.string
    }

    private mutating func optionalString(_ parent: Node, _ key: String, context: String) -> String? {
        guard let node = parent[key] else { return nil }
        guard let scalar = node.scalar else {
            problem(node, "\(context): \(key) must be a string")
            return nil
        }
        return scalar.string
    }

    private mutating func price(_ parent: Node, _ key: String, context: String, required: Bool) -> Money? {
        guard let node = parent[key] else {
            if required { problem(parent, "\(context): missing \(key) (a quoted decimal such as \"0.0010\")") }
            return nil
        }
        return decimal(node, context: context, what: key, maxDecimals: Money.scale)
    }

    private mutating func amount(_ parent: Node, _ key: String, context: String, currency: Currency?) -> Money? {
        guard let node = parent[key] else { return nil }
        return decimal(
            node, context: context, what: key, maxDecimals: currency?.minorUnit ?? Money.scale,
            currency: currency)
    }

    /// A non-negative decimal from a quoted scalar; floats, negatives and excess decimals are problems.
    private mutating func decimal(
        _ node: Node, context: String, what: String, maxDecimals: Int,
        currency: Currency? = nil
    ) -> Money? {
        guard let scalar = node.scalar else {
            problem(node, "\(context): \(what) must be a quoted decimal string such as \"0.0025\"")
            return nil
        }
        if scalar.style == .plain {
            problem(
                node,
                "\(context): \(what) is the unquoted number \(scalar.string); prices must be quoted strings (\"\(scalar.string)\") so they are never read as floating point"
            )
            return nil
        }
        let value: Money
        do {
            value = try Money(parsing: scalar.string)
        } catch {
            problem(node, "\(context): \(what): \(error.message)")
            return nil
        }
        if value < .zero {
            problem(node, "\(context): \(what) \(scalar.string) is negative; expected a price ≥ 0")
            return nil
        }
        if value.significantDecimals > maxDecimals {
            let unit = currency.map { "\($0.code) has \($0.minorUnit) decimals" } ?? "at most \(maxDecimals) decimals"
            problem(node, "\(context): \(what) \(scalar.string) has more decimals than allowed (\(unit))")
            return nil
        }
        return value
    }

    // MARK: Helpers

    static func isPeriod(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-") else { return false }
        for (index, byte) in bytes.enumerated() where index != 4 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
        }
        let month = Int(text.suffix(2)) ?? 0
        return (1...12).contains(month)
    }

    /// 1 to 12 of `A-Z`, `0-9`, `-`, the first a letter.
    package static func isInvoicePrefix(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...12).contains(bytes.count), (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[0]) else {
            return false
        }
        return bytes.allSatisfy {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-")
        }
    }

    static func isOBCode(_ text: String) -> Bool {
        text.utf8.count == 3 && text.utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        case .duplicatedKeysInMapping(_, let context):
            return context.mark.line
        default:
            return 0
        }
    }

    /// A one-line description of a YAML error (Yams' own repeats the whole document).
    static func message(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
            .composer(let context, let problem, _, _):
            return "YAML syntax: \(problem)" + (context.map { " (\($0.text))" } ?? "")
        case .duplicatedKeysInMapping(let duplicates, _):
            return
                "duplicated key(s) \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in the mapping starting here"
        default:
            return "YAML syntax: \(error)"
        }
    }
}
