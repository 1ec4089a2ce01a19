// `allgrad report RUN... -o FILE.html`: arguments, reading the runs, writing the page.
#include "report/report_command.h"

#include "cli_args.h"
#include "file_io.h"
#include "report/html_report.h"
#include "train/options.h"

namespace ag::tools::report {

const char* const kReportUsage =
    "usage: allgrad report RUN... -o FILE.html\n"
    "  RUN: a --metrics file of allgrad train, or a directory holding one named metrics.jsonl\n"
    "  (train with --checkpoint-dir DIR --metrics DIR/metrics.jsonl). Several runs are drawn over each other.\n";

int run_report(const std::vector<std::string>& args, std::ostream& out) {
  std::string output;
  bool help = false;
  auto runs = positional(args, {{"-o", &output}}, {{"--help", &help}, {"-h", &help}});
  if (help) {
    out << kReportUsage;
    return 0;
  }
  if (runs.empty() || output.empty())
    throw UsageError(std::string(runs.empty() ? "no RUN given" : "no -o FILE.html given") + " (usage: allgrad report RUN... -o FILE.html)");
  std::vector<RunLog> logs;
  for (const auto& r : runs) logs.push_back(load_run(r));
  const std::string html = html_report(logs);
  OutputFile f(output, "report");
  f.write(html.data(), html.size());
  f.commit();
  out << "report of " << logs.size() << (logs.size() == 1 ? " run" : " runs") << " written to " << output << "\n";
  return 0;
}

}  // namespace ag::tools::report
