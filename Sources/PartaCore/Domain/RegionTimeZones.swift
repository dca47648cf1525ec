import Foundation

/// The time zone of a Russian region, from its name as an application gives it («Свердловская
/// область», «г. Москва», «Республика Саха (Якутия)»): a school approved in Екатеринбург gets
/// Asia/Yekaterinburg, not Moscow time (issue 13). Unknown names get Moscow time, which the
/// school's administrator can change in the profile.
public enum RegionTimeZones {
    /// Word stems of region names (lower case, «ё» as «е») and their IANA zone; the first match wins,
    /// so the more particular names come first («Еврейская автономная» before the generic ones).
    static let table: [(stems: [String], zone: String)] = [
        (["калинингр"], "Europe/Kaliningrad"),
        (["самар", "удмурт", "ульяновск"], "Europe/Samara"),
        (["астрахан"], "Europe/Astrakhan"),
        (["саратов"], "Europe/Saratov"),
        (["волгоград"], "Europe/Volgograd"),
        (["киров"], "Europe/Kirov"),
        (["свердлов", "екатеринбург", "челябин", "тюмен", "курган", "оренбург", "башк", "пермск", "пермь",
          "ханты", "югра", "ямал"], "Asia/Yekaterinburg"),
        (["омск"], "Asia/Omsk"),
        (["новосибир"], "Asia/Novosibirsk"),
        (["алтай"], "Asia/Barnaul"),
        (["томск"], "Asia/Tomsk"),
        (["кемеров", "кузбас"], "Asia/Novokuznetsk"),
        (["красноярск", "хакас", "тыва", "тува"], "Asia/Krasnoyarsk"),
        (["иркутск", "бурят"], "Asia/Irkutsk"),
        (["забайкал", "чита"], "Asia/Chita"),
        (["сахалин"], "Asia/Sakhalin"),   // before «саха» (Якутия)
        (["якут", "саха", "амурск"], "Asia/Yakutsk"),
        (["приморск", "владивосток", "хабаровск", "еврейск"], "Asia/Vladivostok"),
        (["магадан"], "Asia/Magadan"),
        (["камчат", "чукот"], "Asia/Kamchatka"),
    ]

    public static let fallback = "Europe/Moscow"

    public static func zone(forRegion region: String) -> String {
        let folded = region.lowercased().replacingOccurrences(of: "ё", with: "е")
        // «Омская» must not be read inside «Томская»: stems match at the start of a word.
        let words = folded.split { !$0.isLetter }.map(String.init)
        for (stems, zone) in table where stems.contains(where: { stem in words.contains { $0.hasPrefix(stem) } }) {
            return zone
        }
        return fallback
    }
}
