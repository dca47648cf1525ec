import Foundation
import Logging
import PartaServer
import Vapor

/// The thin executable: read configuration, bootstrap logging, build the app with `configure`, run
/// the command (`serve` by default; `migrate`, `setup-link`), shut down on both paths.
@main
enum Entrypoint {
    static func main() async {
        // Before any thread allocates: fewer malloc arenas, so memory freed by closed sockets is
        // reused by the next ones (see Allocator in SocketMemory.swift).
        Allocator.tuneForServer()
        let config: PartaConfig
        do {
            config = try PartaConfig.fromEnvironment()
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(2)
        }
        var env: Environment
        do { env = try Environment.detect() } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8)); exit(2)
        }
        bootstrapLogging(config)

        let app: Application
        do { app = try await Application.make(env) } catch {
            FileHandle.standardError.write(Data("Could not start: \(error)\n".utf8)); exit(1)
        }
        do {
            applyServeAddress(app, arguments: env.arguments)
            try await configure(app, config: config)
            registerCommands(app)
            if isServe(env.arguments) { try await prepareToServe(app) }
            try await app.execute()
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            exit(1)
        }
        try? await app.asyncShutdown()
    }

    static func isServe(_ arguments: [String]) -> Bool {
        arguments.count < 2 || arguments[1] == "serve" || arguments[1].hasPrefix("-")
    }

    /// Reads `--hostname/-H` and `--port/-p` early, so links printed at start-up use the real address.
    static func applyServeAddress(_ app: Application, arguments: [String]) {
        var i = 1
        while i < arguments.count - 1 {
            switch arguments[i] {
            case "--hostname", "-H": app.http.server.configuration.hostname = arguments[i + 1]
            case "--port", "-p": if let p = Int(arguments[i + 1]) { app.http.server.configuration.port = p }
            default: break
            }
            i += 1
        }
    }

    static func bootstrapLogging(_ config: PartaConfig) {
        let level = config.logLevel
        switch config.logFormat {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandlerFactory.make(label: label, level: level) }
        }
    }
}
