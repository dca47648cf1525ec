import XCTest
import XCTVapor
import Yams
final class SmokeServerTests: XCTestCase { func testNothing() {} }
