/**
 * Routing through an Endpoint Picker: the gateway's ext_proc client (EppClient, ExtProcStream) and
 * the interposer that makes llm.route spans in front of an EPP. Internal: not an API.
 */
@javax.annotation.ParametersAreNonnullByDefault
package dev.infertrace.proxy.epp;
