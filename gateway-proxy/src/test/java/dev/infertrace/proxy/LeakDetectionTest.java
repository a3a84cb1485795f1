package dev.infertrace.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The product turns Netty's leak detection off unless the operator names a level. */
class LeakDetectionTest {
  @Test
  void offUnlessTheOperatorNamesALevel() {
    assertThat(ProxyMain.leakDetectionOff(null)).isTrue();
    assertThat(ProxyMain.leakDetectionOff(" ")).isTrue();
    assertThat(ProxyMain.leakDetectionOff("simple")).isFalse();
    assertThat(ProxyMain.leakDetectionOff("paranoid")).isFalse();
  }
}
