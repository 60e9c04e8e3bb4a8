/// One cell of a worksheet, with the style its number format comes from.
enum SheetCell: Sendable, Hashable {
    case empty
    /// Inline string.
    case text(String)
    /// Bold inline string (headers, labels).
    case label(String)
    /// Integer with thousands separators.
    case integer(Int64)
    /// Amount in the invoice currency (already rounded to the minor unit).
    case amount(Money)
    /// Unit price with six decimals.
    case price(Money)
    case boolean(Bool)
    /// Large bold inline string (the Invoice sheet's title).
    case title(String)
    /// Bold amount (the Invoice sheet's total).
    case totalAmount(Money)

    /// Index into `cellXfs` of styles.xml (see ``XLSXStyles``).
    var styleIndex: Int {
        switch self {
        case .empty, .text: 0
        case .label: 1
        case .integer: 2
        case .amount: 3
        case .price: 4
        case .boolean: 0
        case .title: 5
        case .totalAmount: 6
        }
    }

    /// Characters the cell shows, for column widths.
    var displayWidth: Int {
        switch self {
        case .empty: 0
        case .text(let s), .label(let s): s.count
        case .title(let s): s.count * 3 / 2
        case .integer(let v): String(v).count + String(v).count / 3
        case .amount(let m), .totalAmount(let m): m.formatted(decimals: 0).count * 4 / 3 + 4
        case .price: 10
        case .boolean: 5
        }
    }
}
