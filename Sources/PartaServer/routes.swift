import Foundation
import PartaCore
import Vapor

/// Every route of the API in one table. Authentication is checked by each handler through
/// `req.actor()`; what the actor may do is decided by the services (PartaCore/Access).
func routes(_ app: Application, hub: SocketHub, availability: DatabaseAvailability) throws {
    let auth = AuthController()
    let schools = SchoolController()
    let classes = ClassController()
    let invites = InviteController()
    let members = MemberController()
    let rosters = ClassRosterController()
    let chats = ChatController(hub: hub)
    let messages = MessageController()
    let polls = PollController()
    let chatLinks = ChatLinkController()
    let moderation = ModerationController()
    let files = FileController()
    let journal = JournalController()
    let homework = HomeworkController()
    let photos = PhotoController()
    let grades = GradeController()
    let calendars = CalendarController()
    let timetableImport = TimetableImportController()
    let api = app.grouped("api", "v1")
    // Routes that look up a secret token: unknown ones are throttled per address.
    let tokens = api.grouped(WrongTokenThrottle())

    // Sign-in and sessions
    api.post("auth", "password", use: auth.signInWithPassword)
    api.post("auth", "code", use: auth.requestCode)
    api.post("auth", "code", "verify", use: auth.verifyCode)
    api.post("auth", "signout", use: auth.signOut)
    api.get("me", use: auth.me)
    api.put("me", "password", use: auth.changePassword)
    api.get("me", "children", use: rosters.myChildren)
    api.get("me", "join-requests", use: rosters.myJoinRequests)
    api.get("me", "badges", use: auth.badges)
    api.on(.PUT, "me", "photo", body: .collect(maxSize: "10304kb"), use: photos.upload)
    api.delete("me", "photo", use: photos.remove)
    api.get("users", ":userId", "photo", use: photos.photo)
    api.get("sessions", use: auth.sessions)
    api.delete("sessions", ":sessionId", use: auth.revokeSession)
    api.post("sessions", "revoke-all", use: auth.revokeAll)

    // The operator's first account
    tokens.get("setup", ":token", use: auth.checkSetup)
    api.post("setup", use: auth.completeSetup)

    // School registration (§2.1) and the operator's queue
    api.on(.POST, "school-applications", body: .collect(maxSize: "10304kb"), use: schools.submitApplication)
    api.get("school-applications", use: schools.listApplications)
    api.get("school-applications", ":applicationId", use: schools.getApplication)
    api.get("school-applications", ":applicationId", "order-file", use: schools.orderFile)
    api.post("school-applications", ":applicationId", "approve", use: schools.approve)
    api.post("school-applications", ":applicationId", "reject", use: schools.reject)

    // The administrator's activation link
    tokens.get("activation", ":token", use: auth.activationInfo)
    tokens.post("activation", ":token", "code", use: auth.activationCode)
    tokens.post("activation", ":token", use: auth.activate)

    // Schools
    api.get("schools", ":schoolId", use: schools.getSchool)
    api.patch("schools", ":schoolId", use: schools.updateSchool)
    api.get("schools", ":schoolId", "staff-marks", use: schools.staffMarks)

    // Structure (§2.1): classes
    api.get("schools", ":schoolId", "classes", use: classes.list)
    api.post("schools", ":schoolId", "classes", use: classes.create)
    api.patch("classes", ":classId", use: classes.update)
    api.get("schools", ":schoolId", "promotion", use: rosters.promotionPlan)
    api.post("schools", ":schoolId", "promotion", use: rosters.promote)

    // A class's roster, homeroom teacher (§2.1) and children's accounts (§2.6)
    api.get("classes", ":classId", "roster", use: rosters.roster)
    api.put("classes", ":classId", "homeroom", use: rosters.assignHomeroom)
    api.post("classes", ":classId", "students", use: rosters.addStudent)
    api.post("classes", ":classId", "activation-codes", use: rosters.activationCodes)
    api.put("students", ":userId", "credentials", use: rosters.setCredentials)
    api.post("child-activation", use: rosters.activateChild)

    // People of the school, teacher verification (§2.1, §2.3, §2.4)
    api.get("schools", ":schoolId", "members", use: members.list)
    api.post("schools", ":schoolId", "members", ":userId", "verify-teacher", use: members.verify)
    api.get("schools", ":schoolId", "members", ":userId", "history", use: members.history)
    api.put("schools", ":schoolId", "members", ":userId", "roles", ":role", use: members.grantRole)
    api.delete("schools", ":schoolId", "members", ":userId", "roles", ":role", use: members.revokeRole)
    api.post("schools", ":schoolId", "members", ":userId", "transfer", use: members.transfer)
    api.post("schools", ":schoolId", "members", ":userId", "remove", use: members.remove)
    api.get("schools", ":schoolId", "audit", use: members.audit)
    api.get("schools", ":schoolId", "audit.csv", use: members.auditCSV)
    api.on(.POST, "schools", ":schoolId", "roster", "preview", body: .collect(maxSize: "4mb"), use: members.importPreview)
    api.on(.POST, "schools", ":schoolId", "roster", "import", body: .collect(maxSize: "4mb"), use: members.importRun)
    api.get("schools", ":schoolId", "roster.csv", use: members.exportRoster)

    // Invite links (§2.1) and joining by them
    api.post("classes", ":classId", "invites", use: invites.create)
    api.get("schools", ":schoolId", "invites", use: invites.list)
    api.post("schools", ":schoolId", "invites", "revoke-unused", use: invites.revokeUnused)
    api.post("invites", ":inviteId", "revoke", use: invites.revoke)
    api.get("schools", ":schoolId", "join-requests", use: rosters.joinRequests)
    api.post("join-requests", "decide", use: rosters.decideJoinRequests)
    tokens.get("join", ":token", use: invites.preview)
    tokens.post("join", ":token", "code", use: invites.requestCode)
    tokens.post("join", ":token", use: invites.join)

    // Chats, channels, messages (issue 4)
    api.get("schools", ":schoolId", "chats", use: chats.list)
    api.post("schools", ":schoolId", "chats", use: chats.create)
    api.get("schools", ":schoolId", "chat-templates", use: chats.templates)
    api.get("schools", ":schoolId", "directory", use: chats.directory)
    api.get("schools", ":schoolId", "search", use: chats.search)
    api.post("schools", ":schoolId", "chat-templates", use: chats.fromTemplate)
    api.get("chats", ":chatId", use: chats.get)
    api.get("chats", ":chatId", "members", use: chats.members)
    api.post("chats", ":chatId", "members", use: chats.addMembers)
    api.delete("chats", ":chatId", "members", ":userId", use: chats.removeMember)
    api.get("chats", ":chatId", "messages", use: messages.history)
    api.post("chats", ":chatId", "messages", use: messages.send)
    api.post("chats", ":chatId", "read", use: messages.markRead)
    api.patch("messages", ":messageId", use: messages.edit)
    api.delete("messages", ":messageId", use: messages.delete)
    api.post("messages", ":messageId", "forward", use: messages.forward)
    api.post("messages", ":messageId", "reactions", use: messages.react)
    api.put("messages", ":messageId", "pin", use: messages.pin)
    api.delete("messages", ":messageId", "pin", use: messages.pin)
    api.get("chats", ":chatId", "pins", use: messages.pins)
    api.get("chats", ":chatId", "online", use: chats.online)
    api.on(.POST, "chats", ":chatId", "files", body: .collect(maxSize: "20544kb"), use: files.upload)
    api.get("files", ":fileId", use: files.download)
    api.get("files", ":fileId", "thumbnail", use: files.thumbnail)
    api.post("chats", ":chatId", "polls", use: polls.createPoll)
    api.post("chats", ":chatId", "invites", use: chatLinks.createInvite)
    api.get("chats", ":chatId", "invites", use: chatLinks.invites)
    api.delete("chat-invites", ":inviteId", use: chatLinks.revokeInvite)
    tokens.get("chat-join", ":token", use: chatLinks.joinPreview)
    tokens.post("chat-join", ":token", use: chatLinks.join)
    api.post("polls", ":pollId", "vote", use: polls.vote)
    api.post("polls", ":pollId", "close", use: polls.closePoll)
    api.patch("chats", ":chatId", use: moderation.update)
    api.put("chats", ":chatId", "members", ":userId", "mute", use: moderation.mute)
    api.delete("chats", ":chatId", "members", ":userId", "mute", use: moderation.mute)
    api.put("chats", ":chatId", "members", ":userId", "role", use: moderation.setRole)
    api.post("messages", ":messageId", "report", use: moderation.report)
    api.get("schools", ":schoolId", "reports", use: moderation.reports)
    api.post("reports", ":reportId", "resolve", use: moderation.resolve)

    // The e-journal (issue 14): the school year, subjects, groups, assignments, timetable, lessons
    api.get("schools", ":schoolId", "school-year", use: journal.schoolYear)
    api.put("schools", ":schoolId", "school-year", use: journal.saveSchoolYear)
    api.get("schools", ":schoolId", "subjects", use: journal.subjects)
    api.post("schools", ":schoolId", "subjects", use: journal.createSubject)
    api.patch("subjects", ":subjectId", use: journal.updateSubject)
    api.get("classes", ":classId", "groups", use: journal.groups)
    api.post("classes", ":classId", "groups", use: journal.createGroup)
    api.patch("groups", ":groupId", use: journal.updateGroup)
    api.delete("groups", ":groupId", use: journal.deleteGroup)
    api.get("schools", ":schoolId", "assignments", use: journal.assignments)
    api.post("schools", ":schoolId", "assignments", use: journal.createAssignment)
    api.delete("assignments", ":assignmentId", use: journal.deleteAssignment)
    api.get("schools", ":schoolId", "teaching-load", use: journal.teachingLoad)
    api.get("classes", ":classId", "timetable", use: journal.timetable)
    api.put("classes", ":classId", "timetable", use: journal.saveTimetable)
    api.get("classes", ":classId", "lessons", use: journal.classLessons)
    api.post("schools", ":schoolId", "lessons", use: journal.createLesson)
    api.post("schools", ":schoolId", "lessons", "generate", use: journal.generateLessons)
    api.get("lessons", ":lessonId", use: journal.lesson)
    api.patch("lessons", ":lessonId", use: journal.updateLesson)
    api.put("lessons", ":lessonId", "materials", use: LessonMaterialController().replace)
    api.get("me", "day", use: TeacherDayController().day)
    api.get("me", "schedule", use: journal.mySchedule)
    api.get("me", "grades", use: journal.myGrades)
    api.on(.POST, "schools", ":schoolId", "timetable", "preview", body: .collect(maxSize: "4mb"), use: timetableImport.preview)
    api.on(.POST, "schools", ":schoolId", "timetable", "import", body: .collect(maxSize: "4mb"), use: timetableImport.run)
    api.get("schools", ":schoolId", "timetable.csv", use: timetableImport.export)

    // Calendar feeds (issue 14 item 4): secret addresses of a person's lessons for calendar apps
    api.get("me", "calendar-feeds", use: calendars.list)
    api.post("me", "calendar-feeds", use: calendars.create)
    api.delete("me", "calendar-feeds", ":feedId", use: calendars.revoke)
    tokens.get("ical", ":token", use: calendars.feed)

    api.get("lessons", ":lessonId", "homework", use: homework.forLesson)
    api.post("lessons", ":lessonId", "homework", use: homework.create)
    api.get("lessons", ":lessonId", "homework-load", use: homework.load)
    api.get("homework", ":homeworkId", use: homework.get)
    api.patch("homework", ":homeworkId", use: homework.update)
    api.delete("homework", ":homeworkId", use: homework.delete)
    api.get("me", "homework", use: homework.mine)
    api.get("homework", ":homeworkId", "submissions", use: homework.handIns)
    api.put("homework", ":homeworkId", "submission", use: homework.handIn)
    api.post("submissions", ":submissionId", "check", use: homework.check)
    api.get("schools", ":schoolId", "homework-limits", use: homework.limits)
    api.put("schools", ":schoolId", "homework-limits", use: homework.setLimits)
    api.on(.POST, "schools", ":schoolId", "journal-files", body: .collect(maxSize: "20544kb"), use: homework.upload)
    api.get("journal-files", ":journalFileId", use: homework.download)

    // Grades and attendance (issue 14): the scale and kinds of work, a lesson's marks, the grade
    // sheet, term marks, the history of changes
    api.get("schools", ":schoolId", "grading", use: grades.grading)
    api.put("schools", ":schoolId", "grading", use: grades.saveGrading)
    api.post("schools", ":schoolId", "work-kinds", use: grades.createWorkKind)
    api.patch("work-kinds", ":workKindId", use: grades.updateWorkKind)
    api.get("lessons", ":lessonId", "marks", use: grades.lessonMarks)
    api.put("lessons", ":lessonId", "grades", use: grades.setGrade)
    api.delete("grades", ":gradeId", use: grades.deleteGrade)
    api.put("lessons", ":lessonId", "attendance", use: grades.setAttendance)
    api.get("classes", ":classId", "grade-sheet", use: grades.sheet)
    api.put("classes", ":classId", "term-marks", use: grades.setTermMark)
    api.delete("term-marks", ":termMarkId", use: grades.deleteTermMark)
    api.get("schools", ":schoolId", "journal-changes", use: grades.changes)

    // Operator: accounts
    api.post("users", ":userId", "disable", use: schools.disableUser)
    api.post("users", ":userId", "enable", use: schools.enableUser)

    // Realtime
    RealtimeGateway.register(on: api, hub: hub)

    // Service endpoints
    app.get("healthz") { _ in try Response.json(["status": "ok"]) }
    // Ready: the database answers within a second (at once "not ready" while it is known to be down).
    app.get("readyz") { req async throws -> Response in
        // Not ready when the data directory's disk is nearly full: writes would soon fail (507).
        let config = req.parta.config
        if let free = FileStore.freeBytes(at: config.dataDirectory.path), free < config.minFreeBytes {
            let mb = { (bytes: Int64) in bytes / (1024 * 1024) }
            req.logger.warning("readiness check failed: \(free) bytes free in \(config.dataDirectory.path)")
            return try .json(["error": ["code": "insufficient_storage",
                                        "message": "Мало места на диске: свободно \(mb(free)) МБ, нужно не меньше \(mb(config.minFreeBytes)) МБ."]],
                             status: .serviceUnavailable)
        }
        let notReady = { try Response.json(["error": ["code": "not_ready", "message": "База данных недоступна."]], status: .serviceUnavailable) }
        if availability.isDown { return try notReady() }
        let store = req.parta.context.store
        let answered = await DatabaseAvailability.within(seconds: 1) { _ = try await store.sql.raw("SELECT 1").all() }
        if answered { return try .json(["status": "ready"]) }
        availability.noticed(ConnectionPoolTimeoutError.connectionRequestTimeout)
        req.logger.warning("readiness check failed: the database did not answer within a second")
        return try notReady()
    }
    app.get("metrics") { _ in Metrics.render() }
    app.get("api", "openapi.yaml") { req async throws -> Response in
        guard let path = req.application.openAPIPath, FileManager.default.fileExists(atPath: path) else {
            throw PartaError.notFound("Документ")
        }
        let response = try await req.fileio.asyncStreamFile(at: path)
        response.headers.replaceOrAdd(name: .contentType, value: "application/yaml; charset=utf-8")
        return response
    }
    // Unknown API paths answer in the API's error shape, not with the web client.
    api.get("**") { _ -> Response in throw PartaError.notFound("Ресурс") }
}
