import Foundation
import Invoicing
import Testing

@Suite("Tariff catalogs")
struct CatalogTests {
    @Test("the deployed example catalog is valid and has every pricing model")
    func deployedCatalogIsValid() throws {
        #expect(TariffCatalogSet.validate(path: TestPaths.deployCatalog).map(\.description) == [])
        let set = try TariffCatalogSet(path: TestPaths.deployCatalog)
        let catalog = try set.catalog(for: "2026-10")
        let eur = try #require(catalog.priceLists["eur-standard"])
        #expect(eur.components["aura-nlu"] == .unit(try Money(parsing: "0.0025")))
        guard case .tiered(.graduated, let bands)? = eur.components["aura-asr"] else {
            Issue.record("aura-asr is not graduated")
            return
        }
        #expect(bands.map(\.upTo) == [1_000_000, 5_000_000, nil])
        guard case .tiered(.volume, _)? = eur.components["aura-tts"] else {
            Issue.record("aura-tts is not volume")
            return
        }
        let currencies = Set(catalog.priceLists.values.map(\.currency.code))
        #expect(currencies.isSuperset(of: ["EUR", "BRL", "JPY", "BHD", "CLP"]))
        let esp = try catalog.tariff(ob: "ESP")
        #expect(esp.minimum == (try Money(parsing: "5000")))
        let unknown = try catalog.tariff(ob: "FRA")
        #expect(unknown.priceList.name == "eur-standard" && unknown.model == "pay-per-use")
    }

    @Test("validation reports every problem with its line")
    func reportsEveryProblem() throws {
        let yaml = """
            catalog_version: "bad"
            effective_from: "2026-13"
            price_lists:
              eur:
                currency: EUX
                default_unit_price: 0.001
                request_price: "-0.1"
                components:
                  a: "0.0000001"
                  b:
                    tiers: graduated
                    bands:
                      - { up_to: 100, unit_price: "0.1" }
                      - { up_to: 50, unit_price: "0.2" }
                      - { unit_price: "0.3" }
                  c:
                    tiers: volume
                    bands:
                      - { unit_price: "0.1" }
                      - { up_to: 10, unit_price: "0.2" }
              brl:
                currency: BRL
                monthly_fee: "10.001"
                colour: red
            obs:
              Esp: { price_list: eur }
              DEU: { price_list: nope }
            """
        let directory = try TestPaths.temporaryDirectory("catalog")
        let path = try TestPaths.write(yaml, to: directory, name: "bad.yaml")
        let problems = TariffCatalogSet.validate(path: path)
        let lines = problems.map(\.line)
        func has(_ line: Int, _ fragment: String) {
            #expect(
                problems.contains { $0.line == line && $0.message.contains(fragment) && $0.file == path },
                "line \(line): \(fragment) — got \(problems.map(\.description))")
        }
        has(2, "YYYY-MM")
        has(5, "unknown currency 'EUX'")
        has(6, "unquoted number")
        has(7, "negative")
        has(9, "more than 6 decimal places")
        has(14, "greater than the previous")
        has(19, "only the last band may be open")
        has(20, "last band must be open")
        has(22, "missing default_unit_price")
        has(23, "more decimals")
        has(24, "unknown key 'colour'")
        has(26, "unknown OB code 'Esp'")
        has(27, "unknown price list 'nope'")
        // Reported in line order.
        #expect(lines == lines.sorted())
        #expect(problems.contains { $0.message.contains("missing default_ob") })
        #expect(lines.allSatisfy { $0 > 0 })
        #expect(throws: InvoicingError.self) { try TariffCatalogSet(path: path) }
    }

    @Test("YAML syntax errors name the line")
    func syntaxError() throws {
        let directory = try TestPaths.temporaryDirectory("syntax")
        let path = try TestPaths.write(
            "catalog_version: \"x\"\nprice_lists: [\n  a: b\n", to: directory, name: "broken.yml")
        let problems = TariffCatalogSet.validate(path: path)
        #expect(problems.count == 1)
        #expect(problems.first?.line ?? 0 >= 2)
        #expect(problems.first?.message.contains("YAML syntax") == true)
    }

    @Test("duplicate keys and unknown time zones are reported with their lines")
    func duplicatesAndTimeZones() throws {
        let directory = try TestPaths.temporaryDirectory("dup")
        let duplicate = try TestPaths.write(
            """
            catalog_version: "x"
            effective_from: "2026-01"
            price_lists:
              a: { currency: EUR, default_unit_price: "0.1" }
              a: { currency: EUR, default_unit_price: "0.2" }
            default_ob: { price_list: a }
            """, to: directory, name: "dup.yaml")
        let problems = TariffCatalogSet.validate(path: duplicate)
        #expect(problems.count == 1)
        #expect(problems.first?.line == 4 && problems.first?.message.contains("duplicated key(s) 'a'") == true)

        let zone = try TestPaths.write(
            """
            catalog_version: "x"
            effective_from: "2026-01"
            price_lists:
              a: { currency: EUR, default_unit_price: "0.1" }
            obs:
              ESP: { price_list: a, time_zone: Europe/Madrid }
              BRA: { price_list: a, time_zone: Mars/Olympus }
            default_ob: { price_list: a }
            """, to: directory, name: "zone.yml")
        let zoneProblems = TariffCatalogSet.validate(path: zone)
        #expect(zoneProblems.map(\.line) == [7])
        #expect(zoneProblems.first?.message.contains("Mars/Olympus") == true)
    }

    @Test("in a directory, the latest effective_from not after the period applies")
    func selectsByEffectiveMonth() throws {
        let directory = try TestPaths.temporaryDirectory("dir")
        for (month, price) in [("2026-01", "0.1"), ("2026-06", "0.2"), ("2027-01", "0.3")] {
            try TestPaths.write(
                """
                catalog_version: "v-\(month)"
                effective_from: "\(month)"
                price_lists: { p: { currency: EUR, default_unit_price: "\(price)" } }
                default_ob: { price_list: p }
                """, to: directory, name: "tariffs-\(month).yaml")
        }
        let set = try TariffCatalogSet(path: directory)
        #expect(try set.catalog(for: "2026-01").version == "v-2026-01")
        #expect(try set.catalog(for: "2026-05").version == "v-2026-01")
        #expect(try set.catalog(for: "2026-06").version == "v-2026-06")
        #expect(try set.catalog(for: "2026-12").version == "v-2026-06")
        #expect(try set.catalog(for: "2031-02").version == "v-2027-01")
        #expect(throws: InvoicingError.self) { try set.catalog(for: "2025-12") }
    }
}
