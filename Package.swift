// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "parta",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "parta", targets: ["parta"]),
        .executable(name: "parta-bench", targets: ["parta-bench"]),
    ],
    dependencies: [
        // `exact:` pins — vapor, sqlite-nio, websocket-kit — mark the packages Parta reaches past
        // the public API of; an update is a deliberate change here, checked by the tests named.
        // vapor: `LimitsHTTPServer` (Middleware/RequestLimits.swift) finds the HTTP server's
        //   private listening channel by reflection (`HTTPServer.connection`) to answer over-long
        //   request heads; RealtimeTests.testTheListeningChannelIsFoundByReflection.
        .package(url: "https://github.com/vapor/vapor.git", exact: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        // sqlite-nio (exact, see above): `SQLiteWriter` calls its bundled SQLite through the
        //   `sqlite_nio_`-prefixed C symbols of its internal VaporCSQLite target, declared by hand
        //   in Sources/CPartaSQLite; a renamed symbol breaks the link, a changed signature would not.
        .package(url: "https://github.com/vapor/sqlite-nio.git", exact: "1.13.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // websocket-kit (exact, see above): `FrameWriter` and `InboundTextGuard` read `WebSocket`'s
        //   internal `channel` by reflection; without it the slow-reader cut-off and the UTF-8 guard
        //   are silently off. RealtimeTests.testTheWebSocketsChannelIsFoundByReflection.
        .package(url: "https://github.com/vapor/websocket-kit.git", exact: "2.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        // NIOHTTPCompression (Vapor's own compressor) gzips the web client's files once at start-up.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
    ],
    targets: [
        // SQLiteNIO's copy of SQLite, declared for PartaCore's own write connection (see the header).
        .target(name: "CPartaSQLite"),
        // Our image codec over the system's libjpeg(-turbo) and libpng (Debian: libjpeg-dev,
        // libpng-dev): decoding for thumbnails, JPEG encoding, the resize and orientation loops.
        .target(
            name: "CPartaImage",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png"), .linkedLibrary("z")]
        ),
        // The domain and its storage. No Vapor here: services, access rules, persistence, events.
        .target(
            name: "PartaCore",
            dependencies: [
                "CPartaSQLite",
                "CPartaImage",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQL", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Transport: HTTP routes, DTOs, middleware, WebSocket gateway, configuration.
        .target(
            name: "PartaServer",
            dependencies: [
                "PartaCore",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
            ],
            resources: []
        ),
        .executableTarget(
            name: "parta",
            dependencies: ["PartaServer", .product(name: "Vapor", package: "vapor")]
        ),
        .executableTarget(
            name: "parta-bench",
            dependencies: [
                "PartaCore", "PartaServer",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PartaCoreTests",
            dependencies: ["PartaCore"]
        ),
        .testTarget(
            name: "PartaServerTests",
            dependencies: [
                "PartaServer",
                .product(name: "XCTVapor", package: "vapor"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "WebSocketKit", package: "websocket-kit"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
            ]
        ),
    ]
)
