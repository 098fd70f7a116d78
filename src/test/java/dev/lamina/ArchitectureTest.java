package dev.lamina;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Holds the package arrows of STYLE.md's architecture, the way a module split would: the overlay core does not
 * know FUSE, native calls stay in sys, image reading depends on nothing of ours.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.lamina");
  }

  @Test
  void onlyFuseUsesJnrFuse() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.lamina.fuse..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("ru.serce.jnrfuse..")
        .check(classes);
  }

  @Test
  void onlySysAndFuseUseJnrFfi() {
    // fuse sees jnr.ffi.Pointer only because jnr-fuse's callback signatures carry it.
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.lamina.sys..", "dev.lamina.fuse..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("jnr.ffi..", "com.kenai.jffi..")
        .check(classes);
  }

  @Test
  void unionCoreDependsOnlyOnSys() {
    noClasses()
        .that()
        .resideInAPackage("dev.lamina.union..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.lamina.fuse..", "dev.lamina.cli..", "dev.lamina.image..", "dev.lamina.layer..",
            "dev.lamina.inspect..", "dev.lamina.run..")
        .check(classes);
  }

  @Test
  void imageDependsOnNoOtherLaminaPackage() {
    noClasses()
        .that()
        .resideInAPackage("dev.lamina.image..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.lamina.fuse..", "dev.lamina.cli..", "dev.lamina.union..", "dev.lamina.layer..",
            "dev.lamina.inspect..", "dev.lamina.run..", "dev.lamina.sys..")
        .check(classes);
  }

  @Test
  void layerUsesOnlyImageAndSys() {
    noClasses()
        .that()
        .resideInAPackage("dev.lamina.layer..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.lamina.fuse..", "dev.lamina.cli..", "dev.lamina.union..", "dev.lamina.inspect..",
            "dev.lamina.run..")
        .check(classes);
  }

  @Test
  void nothingButCliDependsOnCli() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.lamina.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.lamina.cli..")
        .check(classes);
  }

  @Test
  void sysDependsOnNoOtherLaminaPackage() {
    noClasses()
        .that()
        .resideInAPackage("dev.lamina.sys..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.lamina.fuse..", "dev.lamina.cli..", "dev.lamina.union..", "dev.lamina.layer..",
            "dev.lamina.inspect..", "dev.lamina.run..", "dev.lamina.image..")
        .check(classes);
  }
}
