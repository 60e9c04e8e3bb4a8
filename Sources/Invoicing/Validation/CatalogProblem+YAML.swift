import Yams

extension CatalogProblem {
    /// The problem a YAML parse error makes: its line (0 when Yams gives none) and a one-line
    /// message, as the tariff catalogs report theirs. Used by the daemon's configuration validator.
    package static func yamlSyntax(_ error: any Error, file: String) -> CatalogProblem {
        guard let error = error as? YamlError else {
            return CatalogProblem(file: file, line: 0, message: "YAML syntax: \(error)")
        }
        return CatalogProblem(
            file: file, line: TariffCatalogParser.line(of: error), message: TariffCatalogParser.message(of: error))
    }
}
