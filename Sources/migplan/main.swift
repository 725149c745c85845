import ArgumentParser
import Foundation
import MigPlanCPU

// Exit codes of shared/spec/cli.md: 0 yes, 1 a valid "no", 2 bad usage or input.
do {
    var command = try MigPlanCommand.parseAsRoot()
    try command.run()
} catch is NegativeAnswer {
    exit(1)
} catch let error as MigPlanError {
    Output.error(error.description)
    exit(2)
} catch let error as ExitCode {
    exit(error.rawValue)
} catch {
    let code = MigPlanCommand.exitCode(for: error)
    if code == .success {
        print(MigPlanCommand.fullMessage(for: error))
        exit(0)
    }
    Output.error(MigPlanCommand.fullMessage(for: error).replacingOccurrences(of: "Error: ", with: ""))
    exit(2)
}
