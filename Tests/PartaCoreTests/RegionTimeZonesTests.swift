@testable import PartaCore
import XCTest

final class RegionTimeZonesTests: XCTestCase {
    func testARegionsNameGivesItsTimeZone() {
        let cases = [
            "Свердловская область": "Asia/Yekaterinburg", "г. Москва": "Europe/Moscow", "Санкт-Петербург": "Europe/Moscow",
            "Пермский край": "Asia/Yekaterinburg", "Республика Башкортостан": "Asia/Yekaterinburg",
            "Калининградская область": "Europe/Kaliningrad", "Самарская обл.": "Europe/Samara",
            "Омская область": "Asia/Omsk", "Томская область": "Asia/Tomsk", "Новосибирская область": "Asia/Novosibirsk",
            "Республика Саха (Якутия)": "Asia/Yakutsk", "Сахалинская область": "Asia/Sakhalin",
            "Приморский край": "Asia/Vladivostok", "Камчатский край": "Asia/Kamchatka", "Иркутская область": "Asia/Irkutsk",
            "Красноярский край": "Asia/Krasnoyarsk", "Кировская область": "Europe/Kirov", "ХМАО — Югра": "Asia/Yekaterinburg",
            "Алтайский край": "Asia/Barnaul", "Забайкальский край": "Asia/Chita", "Кемеровская область — Кузбасс": "Asia/Novokuznetsk",
            "Тверская область": "Europe/Moscow", "": "Europe/Moscow",
        ]
        for (region, zone) in cases {
            XCTAssertEqual(RegionTimeZones.zone(forRegion: region), zone, region)
            XCTAssertNotNil(TimeZone(identifier: zone), zone)
        }
    }
}
