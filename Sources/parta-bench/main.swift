import Vapor
print("bench")
