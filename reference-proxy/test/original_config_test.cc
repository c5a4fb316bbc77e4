#include "cloudstate/proxy/original_config.h"

#include <map>

#include "gtest/gtest.h"

namespace cloudstate::proxy {
namespace {

using Args = std::vector<std::string>;

TranslatedConfig FromEnv(std::map<std::string, std::string> env) {
  return FlagsFromOriginalEnvironment([&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(OriginalConfigTest, OperatorEnvironmentBecomesFlags) {
  TranslatedConfig c = FromEnv({{"HTTP_PORT", "8013"},
                                {"USER_FUNCTION_HOST", "10.0.0.7"},
                                {"USER_FUNCTION_PORT", "8080"},
                                {"MANAGEMENT_PORT", "8558"}});
  EXPECT_EQ(c.args, (Args{"--http-port", "8013", "--user-function-host", "10.0.0.7",
                          "--user-function-port", "8080", "--management-port", "8558"}));
  EXPECT_TRUE(c.notes.empty());
}

TEST(OriginalConfigTest, PostgresEnvironmentBecomesAStoreUrlWithTheOriginalsDefaults) {
  EXPECT_EQ(FromEnv({{"POSTGRES_SERVICE", "db"}}).args,
            (Args{"--store", "postgres://cloudstate:cloudstate@db:5432/cloudstate"}));
  EXPECT_EQ(FromEnv({{"POSTGRES_SERVICE", "db"},
                     {"POSTGRES_PORT", "6543"},
                     {"POSTGRES_DATABASE", "carts"},
                     {"POSTGRES_USERNAME", "u"},
                     {"POSTGRES_PASSWORD", "p@ss:w/rd"}})
                .args,
            (Args{"--store", "postgres://u:p%40ss%3Aw%2Frd@db:6543/carts"}));
  EXPECT_TRUE(FromEnv({}).args.empty());
}

TEST(OriginalConfigTest, ClusterEnvironmentIsNotedNotApplied) {
  TranslatedConfig c = FromEnv({{"REMOTING_PORT", "2552"}, {"METRICS_PORT", "9099"}});
  EXPECT_TRUE(c.args.empty());
  EXPECT_EQ(c.notes.size(), 2u);
}

TEST(OriginalConfigTest, SystemPropertiesBecomeFlagsInPlace) {
  auto c = TranslateOriginalArgs({"--log-level", "debug", "-Dcloudstate.proxy.http-port=9010",
                                  "-Dcloudstate.proxy.user-function-port=8081",
                                  "-Dcloudstate.proxy.protocol-compatibility-check=off",
                                  "-Dcloudstate.proxy.eventsourced-entity.passivation-timeout=2m",
                                  "-Dcloudstate.proxy.graceful-termination-timeout=500",
                                  "-Dcloudstate.proxy.max-inbound-message-size=4M",
                                  "-Dcloudstate.proxy.backoff.min=200ms",
                                  "-Dconfig.resource=in-memory.conf"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->args,
            (Args{"--log-level", "debug", "--http-port", "9010", "--user-function-port", "8081",
                  "--protocol-compatibility-check", "false", "--passivation-timeout", "120000ms",
                  "--shutdown-timeout", "500ms", "--max-message-bytes", "4194304",
                  "--discovery-backoff-min", "200ms", "--store", "memory"}));
}

TEST(OriginalConfigTest, SettingsWithoutMeaningAreNotedAndUnknownOnesRefused) {
  auto c = TranslateOriginalArgs({"-Dcloudstate.proxy.number-of-shards=10", "-Dakka.loglevel=INFO",
                                  "-Dcloudstate.proxy.autoscaler.max-scale=4"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->args.empty());
  EXPECT_EQ(c->notes.size(), 3u);
  EXPECT_FALSE(TranslateOriginalArgs({"-Dcloudstate.proxy.http-prot=9000"}).ok());
  EXPECT_FALSE(TranslateOriginalArgs({"-Dcloudstate.proxy.http-port=http"}).ok());
  EXPECT_FALSE(TranslateOriginalArgs({"-Dcloudstate.proxy.dev-mode-enabled"}).ok());
}

// Event-log eventing is always on and topics are in-process: the original's eventing settings
// change nothing, and say so.
TEST(OriginalConfigTest, EventingSettingsAreNoted) {
  auto c = TranslateOriginalArgs({"-Dcloudstate.proxy.eventing.support=none",
                                  "-Dcloudstate.proxy.eventing.support=google-pubsub",
                                  "-Dcloudstate.proxy.eventing.google-pubsub.project-id=p"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->args.empty());
  ASSERT_EQ(c->notes.size(), 3u);
  EXPECT_NE(c->notes[0].find("event-log eventing is always on"), std::string::npos);
  EXPECT_NE(c->notes[1].find("Google Pub/Sub is not built in"), std::string::npos);
  EXPECT_NE(c->notes[2].find("in-process broker"), std::string::npos);
  EXPECT_FALSE(TranslateOriginalArgs({"-Dcloudstate.proxy.eventing.suport=none"}).ok());
  TranslatedConfig env = FromEnv({{"PUBSUB_PROJECT_ID", "p"}});
  EXPECT_TRUE(env.args.empty());
  ASSERT_EQ(env.notes.size(), 1u);
  EXPECT_NE(env.notes[0].find("in-process broker"), std::string::npos);
}

TEST(OriginalConfigTest, HoconDurationsAndSizes) {
  EXPECT_EQ(*HoconDurationToFlag("30s"), "30000ms");
  EXPECT_EQ(*HoconDurationToFlag("10 seconds"), "10000ms");
  EXPECT_EQ(*HoconDurationToFlag("250"), "250ms");  // bare numbers are milliseconds
  EXPECT_EQ(*HoconDurationToFlag("1h"), "3600000ms");
  EXPECT_FALSE(HoconDurationToFlag("soon").ok());
  EXPECT_FALSE(HoconDurationToFlag("3 fortnights").ok());
  EXPECT_EQ(*HoconSizeToBytes("12M"), 12 * 1024 * 1024);
  EXPECT_EQ(*HoconSizeToBytes("12MiB"), 12 * 1024 * 1024);
  EXPECT_EQ(*HoconSizeToBytes("64k"), 64 * 1024);
  EXPECT_EQ(*HoconSizeToBytes("1000"), 1000);
  EXPECT_FALSE(HoconSizeToBytes("big").ok());
}

}  // namespace
}  // namespace cloudstate::proxy
