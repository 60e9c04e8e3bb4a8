import Foundation
import StreamDaemon

/// Files the demo writes into its output directory, so it needs nothing beside the binary.
/// A test keeps each equal to its file under `deploy/`.
enum DemoAssets {
    /// Writes the catalog (`tariffs.yaml`) and the two writer schemas (`schemas/*.avsc`) the
    /// generated configurations name, under `out`.
    static func write(into out: String) throws {
        try FileManager.default.createDirectory(atPath: out + "/schemas", withIntermediateDirectories: true)
        try tariffsYAML.write(toFile: out + "/tariffs.yaml", atomically: true, encoding: .utf8)
        try auditSchema.write(toFile: out + "/schemas/Aura_Audit.avsc", atomically: true, encoding: .utf8)
        try gatewaySchema.write(toFile: out + "/schemas/Aura_Gateway_Message.avsc", atomically: true, encoding: .utf8)
    }

    /// `deploy/tariffs.yaml`, verbatim.
    static let tariffsYAML = #"""
        # aura-billing tariff catalog (docs/spec.md §5) — documented example used by `demo` and the tests.
        #
        # Rules (checked by `aura-billing validate-config --catalog deploy/tariffs.yaml`):
        # - Every price and amount is a QUOTED decimal string ("0.0025"), never a YAML float: an
        #   unquoted 0.0025 is refused with its file:line, so no value ever passes through binary
        #   floating point. Prices have at most 6 decimals; monthly_fee and minimum at most the
        #   currency's minor unit (EUR 2, JPY 0, CLP 0, BHD 3).
        # - `effective_from` (YYYY-MM): with a directory of catalogs, an invoice for period P uses the
        #   catalog with the latest effective_from not after P (late-event adjustments use the catalog of
        #   their ORIGINAL period).
        # - A price list has a `currency` (ISO 4217) and a `default_unit_price` (per query, for every
        #   component not listed); `request_price` (per gateway message), `monthly_fee` and `minimum`
        #   default to "0".
        # - A component is priced by a unit price, or by tiers applied to the OB's total queries of that
        #   component in the period (all apps together):
        #     graduated: each band's queries at that band's price
        #                (bands 1000/5000/open, 6000 queries = 1000×p1 + 4000×p2 + 1000×p3);
        #     volume:    all queries at the price of the band the total falls in
        #                (6000 queries = 6000×p3).
        #   `up_to` is an inclusive cumulative query count, strictly increasing; only the last band is
        #   open (no up_to), and it must be.
        # - Invoice lines: one per component, one for requests, the monthly fee, one per late adjustment;
        #   each computed exactly and rounded half-even once to the currency's minor unit.
        #   Minimum top-up = max(0, minimum − (components + requests + monthly fee)).
        # - `obs` maps ISO 3166 alpha-3 OB codes to a price list plus optional `time_zone` (IANA; overrides
        #   D_Gbl_Country.TIME_ZONE_ID for the billing month), `model` (label printed on the invoice),
        #   `minimum` and `monthly_fee` overrides. `default_ob` serves every OB not listed.
        # - Invoice parties and numbering (optional; when missing the invoice says so plainly):
        #   `issuer` {legal_name, tax_id?, address: [lines]} prints as the Invoice sheet's issuer block;
        #   an OB's `bill_to` (same fields, under obs) as its bill-to block; `payment_terms_days` (0–365)
        #   gives the due date (issue date + days); `invoice_prefix` (1–12 of A-Z 0-9 -, a letter first;
        #   default AURA) starts the invoice numbers <prefix>-<YYYY>-<NNNNNN>, one sequence per prefix
        #   and year, assigned when a close is first recorded (docs/README-invoice.md).
        catalog_version: "2026.10"
        effective_from: "2026-01"

        issuer:
          legal_name: "Aura Global Team (example) S.L."
          tax_id: "ESB00000000"
          address: ["Calle Ejemplo 2", "28002 Madrid", "Spain"]
        payment_terms_days: 30
        invoice_prefix: "AURA"

        price_lists:
          # Euro area: all three pricing models.
          eur-standard:
            currency: EUR
            default_unit_price: "0.0010"
            request_price: "0.0002"
            monthly_fee: "0.00"
            minimum: "0.00"
            components:
              aura-nlu: "0.0025"                 # unit price
              aura-kbqa: "0.001750"
              aura-asr:
                tiers: graduated
                bands:
                  - { up_to: 1000000, unit_price: "0.004000" }
                  - { up_to: 5000000, unit_price: "0.003000" }
                  - { unit_price: "0.002000" }
              aura-tts:
                tiers: volume
                bands:
                  - { up_to: 100000, unit_price: "0.0030" }
                  - { up_to: 1000000, unit_price: "0.0025" }
                  - { unit_price: "0.0020" }

          # Brazil: unit prices and a volume tier, fee and minimum in BRL (2 decimals).
          brl-standard:
            currency: BRL
            default_unit_price: "0.0055"
            request_price: "0.0011"
            monthly_fee: "500.00"
            minimum: "2500.00"
            components:
              aura-nlu: "0.0130"
              aura-asr:
                tiers: volume
                bands:
                  - { up_to: 500000, unit_price: "0.0200" }
                  - { unit_price: "0.0150" }

          # United Kingdom.
          gbp-standard:
            currency: GBP
            default_unit_price: "0.0009"
            request_price: "0.00015"
            components:
              aura-nlu: "0.0021"

          # Mexico: graduated NLU.
          mxn-standard:
            currency: MXN
            default_unit_price: "0.0180"
            request_price: "0.0040"
            minimum: "10000.00"
            components:
              aura-nlu:
                tiers: graduated
                bands:
                  - { up_to: 250000, unit_price: "0.0500" }
                  - { unit_price: "0.0350" }

          # Chile: peso without decimals (amounts rounded half-even to whole pesos).
          clp-standard:
            currency: CLP
            default_unit_price: "0.95"
            request_price: "0.20"
            monthly_fee: "150000"
            components:
              aura-nlu: "2.3"

          # Japan: yen without decimals.
          jpy-standard:
            currency: JPY
            default_unit_price: "0.15"
            request_price: "0.03"
            minimum: "100000"
            components:
              aura-asr:
                tiers: graduated
                bands:
                  - { up_to: 100000, unit_price: "0.60" }
                  - { up_to: 1000000, unit_price: "0.45" }
                  - { unit_price: "0.30" }

          # Bahrain: dinar with 3 decimals (fils).
          bhd-standard:
            currency: BHD
            default_unit_price: "0.000380"
            request_price: "0.000075"
            monthly_fee: "45.500"
            components:
              aura-tts:
                tiers: volume
                bands:
                  - { up_to: 50000, unit_price: "0.001200" }
                  - { unit_price: "0.000900" }

        obs:
          ESP:
            { price_list: eur-standard, time_zone: Europe/Madrid, model: "pay-per-use + commitment", minimum: "5000.00",
              bill_to: { legal_name: "OB Spain (example) S.A.", tax_id: "ESA00000001", address: ["Calle Ejemplo 1", "28001 Madrid", "Spain"] } }
          DEU: { price_list: eur-standard, time_zone: Europe/Berlin, model: "flat fee + usage", monthly_fee: "1200.00" }
          BRA:
            { price_list: brl-standard, time_zone: America/Sao_Paulo, model: "pay-per-use + commitment",
              bill_to: { legal_name: "OB Brazil (example) Ltda.", tax_id: "00.000.000/0001-00", address: ["Rua Exemplo 100", "01000-000 São Paulo SP", "Brazil"] } }
          GBR: { price_list: gbp-standard, time_zone: Europe/London, model: "pay-per-use" }
          MEX: { price_list: mxn-standard, time_zone: America/Mexico_City, model: "pay-per-use + commitment" }
          CHL: { price_list: clp-standard, time_zone: America/Santiago, model: "flat fee + usage" }
          JPN: { price_list: jpy-standard, time_zone: Asia/Tokyo, model: "pay-per-use + commitment" }
          BHR: { price_list: bhd-standard, time_zone: Asia/Bahrain, model: "flat fee + usage" }

        default_ob: { price_list: eur-standard, model: "pay-per-use" }

        """#

    /// `deploy/schemas/Aura_Audit.avsc`, verbatim: the writer schema of id 1.
    static let auditSchema = #"""
        {
          "type": "record",
          "name": "Aura_Audit",
          "namespace": "com.telefonica.aura",
          "doc": "Aura audit entity: one row per (interaction, component). Primary key: INTERACTION_ID + AURA_COMPONENT_ID. Billing counts rows per OB (COUNTRY_3_ALPHA_CD), local calendar month of AURA_TM in the OB time zone (D_Gbl_Country.TIME_ZONE_ID), AURA_APP_ID, AURA_COMPONENT_ID and AURA_SERVICE_NAME_CD, after dropping duplicates of the primary key.",
          "fields": [
            {
              "name": "INTERACTION_ID",
              "type": "string",
              "doc": "Identifier of the user interaction (one user query). One interaction produces one audit row per Aura component that served it. Part of the primary key."
            },
            {
              "name": "AURA_TM",
              "type": {
                "type": "string",
                "logicalType": "datetime"
              },
              "doc": "Instant the component served the interaction, ISO-8601 with milliseconds and UTC offset, e.g. 2026-10-31T23:59:58.123+01:00 (a string with logicalType datetime, as in the Aura entity definition; readers that do not know the logical type read a plain string)."
            },
            {
              "name": "AURA_CHANNEL_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Channel the interaction came from (FK D_Aura_Channel)."
            },
            {
              "name": "AURA_APP_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Aura application (client) that made the query (FK D_Aura_App). Billing key."
            },
            {
              "name": "COUNTRY_3_ALPHA_CD",
              "type": "string",
              "doc": "Operating business (OB): ISO 3166-1 alpha-3 country code (FK D_Gbl_Country). Billing key."
            },
            {
              "name": "AURA_SERVICE_NAME_CD",
              "type": {
                "type": "enum",
                "name": "AuraServiceName",
                "namespace": "com.telefonica.aura",
                "doc": "Aura service families.",
                "symbols": [
                  "message",
                  "nlpaas",
                  "ai",
                  "other"
                ]
              },
              "doc": "Aura service family the query was billed under."
            },
            {
              "name": "AURA_PRESET_NAME",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Preset (configuration bundle) in use (FK D_Aura_Preset)."
            },
            {
              "name": "AURA_COMPONENT_ID",
              "type": "string",
              "doc": "Aura component that served the query (FK D_Aura_Component). Part of the primary key. Billing key."
            },
            {
              "name": "AURA_COMPONENT_HOST_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Host / pod of the component instance."
            },
            {
              "name": "AURA_SKILL_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Skill that handled the query, if any (FK D_Aura_Skill)."
            },
            {
              "name": "AURA_RECOGNIZER_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Recognizer (NLU) used, if any (FK D_Aura_Recognizer)."
            },
            {
              "name": "CORR_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Correlation id propagated across components."
            },
            {
              "name": "AURA_VERSION_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Version of the component that wrote the row."
            },
            {
              "name": "DAY_DT",
              "type": "string",
              "doc": "Partition day, yyyy-MM-dd, the local calendar day of AURA_TM in its written offset."
            }
          ]
        }

        """#

    /// `deploy/schemas/Aura_Gateway_Message.avsc`, verbatim: the writer schema of id 3.
    static let gatewaySchema = #"""
        {
          "type": "record",
          "name": "Aura_Gateway_Message",
          "namespace": "com.telefonica.aura",
          "doc": "Aura gateway message entity: one row per message that crossed the Aura gateway. Primary key: MESSAGE_ID.",
          "fields": [
            {
              "name": "MESSAGE_ID",
              "type": "string",
              "doc": "Identifier of the message. Primary key."
            },
            {
              "name": "MESSAGE_TM",
              "type": {
                "type": "string",
                "logicalType": "datetime"
              },
              "doc": "Instant the gateway handled the message, ISO-8601 with milliseconds and UTC offset."
            },
            {
              "name": "AURA_APP_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Aura application (FK D_Aura_App)."
            },
            {
              "name": "COUNTRY_3_ALPHA_CD",
              "type": "string",
              "doc": "Operating business: ISO 3166-1 alpha-3 (FK D_Gbl_Country)."
            },
            {
              "name": "CORR_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Correlation id propagated across components."
            },
            {
              "name": "AURA_NLP_IND",
              "type": "boolean",
              "doc": "True when the message was sent to NLP processing."
            },
            {
              "name": "AURA_PRESET_NAME",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Preset in use (FK D_Aura_Preset)."
            },
            {
              "name": "AURA_COMPONENT_HOST_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Host / pod of the gateway instance."
            },
            {
              "name": "AURA_COMPONENT_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Component the message was routed to (FK D_Aura_Component)."
            },
            {
              "name": "AURA_VERSION_ID",
              "type": [
                "null",
                "string"
              ],
              "default": null,
              "doc": "Gateway version."
            },
            {
              "name": "DAY_DT",
              "type": "string",
              "doc": "Partition day, yyyy-MM-dd, local calendar day of MESSAGE_TM in its written offset."
            }
          ]
        }

        """#
}
