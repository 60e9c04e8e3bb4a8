import Invoicing

/// Two small catalogs (effective 2026-01 and 2026-06) with every pricing model and 0/2/3-decimal currencies.
enum TestCatalogs {
    static let january = """
        catalog_version: "test-2026.01"
        effective_from: "2026-01"
        price_lists:
          eur:
            currency: EUR
            default_unit_price: "0.0010"
            request_price: "0.0002"
            components:
              nlu: "0.0025"
              half: "0.000005"
              asr:
                tiers: graduated
                bands:
                  - { up_to: 1000, unit_price: "0.004" }
                  - { up_to: 5000, unit_price: "0.003" }
                  - { unit_price: "0.002" }
              tts:
                tiers: volume
                bands:
                  - { up_to: 100, unit_price: "0.0030" }
                  - { unit_price: "0.0020" }
          jpy: { currency: JPY, default_unit_price: "0.5", request_price: "0.25" }
          bhd: { currency: BHD, default_unit_price: "0.0005", monthly_fee: "1.250" }
          brl: { currency: BRL, default_unit_price: "0.01" }
        obs:
          ESP: { price_list: eur, model: "pay-per-use + commitment", minimum: "100.00" }
          DEU: { price_list: eur, model: "flat fee + usage", monthly_fee: "10.00" }
          JPN: { price_list: jpy, model: "pay-per-use" }
          BHR: { price_list: bhd }
        default_ob: { price_list: brl, model: "default" }
        """

    static let june = """
        catalog_version: "test-2026.06"
        effective_from: "2026-06"
        price_lists:
          eur:
            currency: EUR
            default_unit_price: "0.0010"
            request_price: "0.0002"
            components:
              nlu: "0.003"
              asr:
                tiers: graduated
                bands:
                  - { up_to: 1000, unit_price: "0.005" }
                  - { unit_price: "0.004" }
          jpy: { currency: JPY, default_unit_price: "0.5" }
        obs:
          ESP: { price_list: eur, model: "pay-per-use + commitment", minimum: "100.00" }
          JPN: { price_list: jpy }
        default_ob: { price_list: eur }
        """

    /// Writes both catalogs into a fresh directory and loads it.
    static func load() throws -> (set: TariffCatalogSet, directory: String) {
        let directory = try TestPaths.temporaryDirectory("catalogs")
        try TestPaths.write(january, to: directory, name: "2026-01.yaml")
        try TestPaths.write(june, to: directory, name: "2026-06.yaml")
        return (try TariffCatalogSet(path: directory), directory)
    }
}
