package dev.infertrace.agent.jdk;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JdkHttpClientInstrumentationModuleTest {
  @Test
  void readsTheFeatureReleaseOfEverySpelling() {
    assertThat(JdkHttpClientInstrumentationModule.javaFeature("1.8")).isEqualTo(8);
    assertThat(JdkHttpClientInstrumentationModule.javaFeature("9")).isEqualTo(9);
    assertThat(JdkHttpClientInstrumentationModule.javaFeature("11")).isEqualTo(11);
    assertThat(JdkHttpClientInstrumentationModule.javaFeature("17")).isEqualTo(17);
    assertThat(JdkHttpClientInstrumentationModule.javaFeature("25")).isEqualTo(25);
    assertThat(JdkHttpClientInstrumentationModule.javaFeature("26.1")).isEqualTo(26);
    assertThat(JdkHttpClientInstrumentationModule.javaFeature(null)).isZero();
    assertThat(JdkHttpClientInstrumentationModule.javaFeature("x")).isZero();
  }

  @Test
  void appliesFromJava16OnAndNotBefore() {
    assertThat(JdkHttpClientInstrumentationModule.MIN_JAVA).isEqualTo(16);
    // This JVM is 17 or later: the module matches class loaders.
    assertThat(
            new JdkHttpClientInstrumentationModule()
                .classLoaderMatcher()
                .matches(getClass().getClassLoader()))
        .isTrue();
  }

  @Test
  void namesItsAdviceOnlyByString() {
    assertThat(HttpClientImplInstrumentation.ADVICE)
        .isEqualTo(dev.infertrace.agent.jdk.http.JdkSendAdvice.class.getName());
    assertThat(HttpClientImplInstrumentation.SYNC_ADVICE)
        .isEqualTo(dev.infertrace.agent.jdk.http.JdkSyncSendAdvice.class.getName());
  }
}
