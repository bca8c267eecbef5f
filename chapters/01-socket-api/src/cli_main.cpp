#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "gorae/api/error.hpp"
#include "gorae/base/build_info.hpp"
#include "gorae/cli/cli.hpp"
#include "gorae/http/host_uri.hpp"

namespace gorae::cli {

std::string Context::host() const {
  return http::choose_client_host(host_flag, std::getenv("GORAE_HOST"),
                                  std::getenv("DOCKER_HOST"));
}

http::Client Context::connect() const {
  std::string address = host();
  auto uri = http::parse_host_uri(address);
  if (!uri) throw Failure(1, uri.error().what());
  auto client = http::Client::connect(*uri);
  if (!client && client.error().kind() == Errc::unavailable)
    throw Failure(1, "Cannot connect to the gorae daemon at " + address +
                         ". Is the daemon running?");
  if (!client) throw Failure(1, client.error().what());
  return std::move(*client);
}

std::string daemon_message(const http::ClientResponse& response) {
  std::string message = response.body;
  auto parsed = nlohmann::json::parse(message, nullptr, false);
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string())
    message = parsed["message"].get<std::string>();
  while (!message.empty() && message.back() == '\n') message.pop_back();
  return message;
}

http::ClientResponse Context::call(std::string_view method, std::string_view target,
                                   std::string body) const {
  auto client = connect();
  auto response = client.request(method, target, std::move(body));
  if (!response) throw Failure(1, "error during connect: " + response.error().what());
  if (response->status >= 400)
    throw Failure(1, "Error response from daemon: " + daemon_message(*response));
  return std::move(*response);
}

int main(int argc, char** argv, const std::vector<CommandInstaller>& installers) {
  Context context(std::cout, std::cerr);
  CLI::App app("gorae: the command line client of the gorae container engine", "gorae");
  app.require_subcommand(1);
  app.add_option("-H,--host", context.host_flag,
                 "Daemon socket to connect to (also $GORAE_HOST, then $DOCKER_HOST)")
      ->type_name("URI");
  app.set_version_flag("-v,--version",
                       std::string("gorae version ") + build_info::kVersion + ", build " +
                           build_info::kGitCommit);
  for (const auto& install : installers) install(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  } catch (const Failure& failure) {
    std::cout.flush();
    if (*failure.what()) std::cerr << failure.what() << "\n";
    return failure.exit_code();
  }
  return 0;
}

}  // namespace gorae::cli
