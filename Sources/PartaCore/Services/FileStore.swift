import Foundation

/// Files kept on disk under `<data>/files/<uuid>`; metadata lives in `stored_files`. Files made
/// from another live beside it as `<uuid>.<variant>`: an image's preview (`thumb`), a profile
/// photo's squares (`96`, `256`; a photo keeps no original).
/// Writes go to a temporary name, are flushed to disk, then renamed, so a crash never leaves half a file.
public struct FileStore: Sendable {
    public let directory: URL

    /// Every variant name: deleting a file deletes these beside it.
    public enum Variant: String, Sendable, CaseIterable {
        case thumbnail = "thumb"
        case photo96 = "96"
        case photo256 = "256"
    }

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public func url(for id: UUID, variant: Variant? = nil) -> URL {
        directory.appendingPathComponent(Self.name(id, variant))
    }

    static func name(_ id: UUID, _ variant: Variant?) -> String {
        id.uuidString.lowercased() + (variant.map { "." + $0.rawValue } ?? "")
    }

    /// A full disk (or quota) is `PartaError.insufficientStorage`; the temporary file is removed
    /// on any failure, so nothing half-written stays.
    public func save(_ data: Data, id: UUID, variant: Variant? = nil) throws {
        let temp = directory.appendingPathComponent(".\(Self.name(id, variant)).tmp")
        func failure() -> any Error {
            let code = errno
            return code == ENOSPC || code == EDQUOT ? PartaError.insufficientStorage : CocoaError(.fileWriteUnknown)
        }
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw failure() }
        var error: (any Error)?
        data.withUnsafeBytes { buf in
            var offset = 0
            while offset < buf.count {
                let n = write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { error = n == 0 ? PartaError.insufficientStorage : failure(); break }
                offset += n
            }
        }
        if error == nil, fsync(fd) != 0 { error = failure() }
        close(fd)
        if let error { unlink(temp.path); throw error }
        guard rename(temp.path, url(for: id, variant: variant).path) == 0 else {
            let error = failure()
            unlink(temp.path); throw error
        }
    }

    /// Free bytes for unprivileged writers on the file system holding `path` (nil if unknown).
    public static func freeBytes(at path: String) -> Int64? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return Int64(s.f_bavail) * Int64(s.f_frsize)
    }

    /// Deletes a file and every file made from it.
    public func delete(_ id: UUID) {
        unlink(url(for: id).path)
        for variant in Variant.allCases { unlink(url(for: id, variant: variant).path) }
    }

    public func delete(_ id: UUID, variant: Variant) {
        unlink(url(for: id, variant: variant).path)
    }
}

/// Recognises a file's type from its first bytes, never from its name or the client's claim.
public enum ContentSniffer {
    public static func detect(_ data: Data) -> String? {
        let head = [UInt8](data.prefix(16))
        func starts(_ bytes: [UInt8]) -> Bool { head.count >= bytes.count && Array(head.prefix(bytes.count)) == bytes }
        if starts([0x25, 0x50, 0x44, 0x46, 0x2D]) { return "application/pdf" }           // %PDF-
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.count >= 12, starts([0x52, 0x49, 0x46, 0x46]), Array(head[8..<12]) == [0x57, 0x45, 0x42, 0x50] {
            return "image/webp"
        }
        return nil
    }

    /// Executables and scripts are refused in chats (children's devices download what they see).
    public static func isExecutable(_ data: Data) -> Bool {
        let head = [UInt8](data.prefix(4))
        return head.starts(with: [0x4D, 0x5A]) || head.starts(with: [0x7F, 0x45, 0x4C, 0x46]) || head.starts(with: [0x23, 0x21])
            || head.starts(with: [0xCF, 0xFA, 0xED, 0xFE]) || head.starts(with: [0xCA, 0xFE, 0xBA, 0xBE])
    }

    /// The type of a chat attachment: the images and PDF above, GIF, office documents (by the parts
    /// inside their ZIP), audio and video containers, plain UTF-8 text; anything else is
    /// `application/octet-stream` (downloaded, never shown).
    public static func attachmentType(_ data: Data) -> String {
        if let known = detect(data) { return known }
        let head = [UInt8](data.prefix(16))
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + bytes.count && Array(head[offset..<offset + bytes.count]) == bytes
        }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return "image/gif" }
        if starts([0x50, 0x4B, 0x03, 0x04]) {
            let names = String(decoding: data.prefix(64 * 1024), as: UTF8.self)
            if names.contains("word/") { return "application/vnd.openxmlformats-officedocument.wordprocessingml.document" }
            if names.contains("xl/") { return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" }
            if names.contains("ppt/") { return "application/vnd.openxmlformats-officedocument.presentationml.presentation" }
            if names.contains("mimetypeapplication/vnd.oasis.opendocument.text") { return "application/vnd.oasis.opendocument.text" }
            return "application/zip"
        }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return "application/msword" }
        if starts(Array("ftyp".utf8), at: 4) { return "video/mp4" }
        if starts(Array("ID3".utf8)) || starts([0xFF, 0xFB]) { return "audio/mpeg" }
        if starts(Array("OggS".utf8)) { return "audio/ogg" }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return "video/webm" }
        if !data.isEmpty, !data.prefix(8 * 1024).contains(0), String(data: data, encoding: .utf8) != nil { return "text/plain; charset=utf-8" }
        return "application/octet-stream"
    }

    /// Shown inline in the conversation (everything else is downloaded).
    public static func isInlineImage(_ type: String) -> Bool {
        ["image/png", "image/jpeg", "image/webp", "image/gif"].contains(type)
    }
}
