import Foundation
import PartaCore
import Vapor

// Request bodies (strict: unknown keys are refused) and response shapes of the API.
// Domain values (UserView, SchoolView …) are encoded as they are; they are not storage models.

struct PasswordSignInBody: StrictBody {
    static let allowedKeys: Set<String> = ["login", "password"]
    let login: String
    let password: String
}

struct CodeRequestBody: StrictBody {
    static let allowedKeys: Set<String> = ["login"]
    let login: String
}

struct CodeVerifyBody: StrictBody {
    static let allowedKeys: Set<String> = ["login", "code"]
    let login: String
    let code: String
}

struct ChangePasswordBody: StrictBody {
    static let allowedKeys: Set<String> = ["currentPassword", "newPassword"]
    let currentPassword: String?
    let newPassword: String
}

struct RevokeAllBody: StrictBody {
    static let allowedKeys: Set<String> = ["keepCurrent"]
    let keepCurrent: Bool?
}

struct SetupBody: StrictBody {
    static let allowedKeys: Set<String> = ["token", "fullName", "email", "phone", "password"]
    let token: String
    let fullName: String
    let email: String
    let phone: String?
    let password: String
}

struct RejectBody: StrictBody {
    static let allowedKeys: Set<String> = ["reason"]
    let reason: String
}

struct ActivateBody: StrictBody {
    static let allowedKeys: Set<String> = ["code", "password"]
    let code: String
    let password: String
}

struct SchoolPatchBody: StrictBody {
    static let allowedKeys: Set<String> = ["name", "shortName", "address", "region", "inn", "phone", "email",
                                           "website", "directorName", "timezone", "moderatorsSeeReporters"]
    let name, shortName, address, region, inn, phone, email, website, directorName, timezone: String?
    let moderatorsSeeReporters: Bool?

    var patch: SchoolService.Patch {
        .init(name: name, shortName: shortName, address: address, region: region, inn: inn, phone: phone,
              email: email, website: website, directorName: directorName, timezone: timezone,
              moderatorsSeeReporters: moderatorsSeeReporters)
    }
}

struct SignedInResponse: Encodable {
    let token: String
    let user: UserView
    let session: SessionView
}

struct ItemsResponse<T: Encodable>: Encodable {
    let items: [T]
}

struct ValidResponse: Encodable { let valid: Bool }
