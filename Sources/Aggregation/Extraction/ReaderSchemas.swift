/// The reader schemas the extractors project through: only the fields billing reads, with the
/// record and enum names of the Aura datasets so writer schemas resolve against them.
package enum ReaderSchemas {
    /// Reader schema for `Aura_Audit` (v1 and v2 writers resolve to it).
    package static let auditJSON = #"""
        {"type": "record", "name": "Aura_Audit", "namespace": "com.telefonica.aura", "fields": [
          {"name": "INTERACTION_ID", "type": "string"},
          {"name": "AURA_TM", "type": "string"},
          {"name": "AURA_APP_ID", "type": ["null", "string"], "default": null},
          {"name": "COUNTRY_3_ALPHA_CD", "type": "string"},
          {"name": "AURA_SERVICE_NAME_CD", "type": {"type": "enum", "name": "AuraServiceName",
            "namespace": "com.telefonica.aura", "symbols": ["message", "nlpaas", "ai", "other"]}},
          {"name": "AURA_COMPONENT_ID", "type": "string"}
        ]}
        """#

    /// Reader schema for `Aura_Gateway_Message`.
    package static let gatewayJSON = #"""
        {"type": "record", "name": "Aura_Gateway_Message", "namespace": "com.telefonica.aura", "fields": [
          {"name": "MESSAGE_ID", "type": "string"},
          {"name": "MESSAGE_TM", "type": "string"},
          {"name": "AURA_APP_ID", "type": ["null", "string"], "default": null},
          {"name": "COUNTRY_3_ALPHA_CD", "type": "string"},
          {"name": "AURA_NLP_IND", "type": "boolean"}
        ]}
        """#

    /// Reader schema for the `D_Gbl_Country` dimension (OB → time zone).
    package static let countryJSON = #"""
        {"type": "record", "name": "D_Gbl_Country", "namespace": "com.telefonica.aura", "fields": [
          {"name": "COUNTRY_3_ALPHA_CD", "type": "string"},
          {"name": "TIME_ZONE_ID", "type": "string"}
        ]}
        """#
}
