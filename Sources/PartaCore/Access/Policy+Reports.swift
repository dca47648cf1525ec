import Foundation

// Reports of messages (moderation): who handles them and who learns who reported.
extension Policy {
    /// Who handles a report of a message: never its author; the school's administrators; the chat's
    /// moderators (owner, admins) unless the reported author is a moderator of that chat — a report
    /// about a moderator goes to the school's administrators only.
    public static func canHandleReport(_ actor: Actor, schoolID: UUID, authorID: UUID,
                                       actorModeratesChat: Bool, authorModeratesChat: Bool) -> Bool {
        guard actor.userID != authorID else { return false }
        if actor.roles(in: schoolID).contains(.admin) { return true }
        return actorModeratesChat && !authorModeratesChat
    }

    /// Who the reporter was: the school's administrators see it; chat moderators only when the
    /// school allows it (off by default), so a child's report stays safe with the adults who judge it.
    public static func canSeeReporter(_ actor: Actor, schoolID: UUID, schoolAllowsModerators: Bool) -> Bool {
        actor.roles(in: schoolID).contains(.admin) || schoolAllowsModerators
    }

    /// Who resolved a report is the administrators' to see (they oversee the moderators).
    public static func canSeeReportResolver(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.admin)
    }

    /// The school's administrators see every report of the school (but those about themselves);
    /// others only those of the chats they moderate.
    public static func seesEveryReport(_ actor: Actor, schoolID: UUID) -> Bool {
        actor.roles(in: schoolID).contains(.admin)
    }
}
